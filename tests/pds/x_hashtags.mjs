// Hashtags as X's own library finds them: for each text (a JSON list on stdin), twitter-text's
// extractHashtags. Used by tests/test_teasers.py to judge the hashtags storygen makes.
import twttr from 'twitter-text'

let input = ''
for await (const chunk of process.stdin) input += chunk
const found = JSON.parse(input).map(text => twttr.extractHashtags(text))
process.stdout.write(JSON.stringify(found))
