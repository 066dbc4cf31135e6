// Facets as Bluesky's own client library finds them: for each text (a JSON list on stdin),
// @atproto/api's RichText.detectFacetsWithoutResolution. Used by tests/test_teasers_bluesky.py.
import { RichText } from '@atproto/api'

let input = ''
for await (const chunk of process.stdin) input += chunk
const found = JSON.parse(input).map(text => {
  const rich = new RichText({ text })
  rich.detectFacetsWithoutResolution()
  return rich.facets || []
})
process.stdout.write(JSON.stringify(found))
