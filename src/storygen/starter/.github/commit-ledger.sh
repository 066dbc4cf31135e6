#!/usr/bin/env bash
# Commit crosspost-ledger.json and push it, surviving a push race: when main moved meanwhile
# (someone merged content), rebase onto it and try again, a few times. A branch protection rule
# on main must let this workflow push (docs/deploying.md, "Branch protection").
set -euo pipefail
message="$1"
git config user.name "storygen bot"
git config user.email "storygen-bot@users.noreply.github.com"
# With its journal, if a cancelled `storygen post` left one (the next run reads it, then folds it
# into the ledger, and this commits its removal).
git add --all -- 'crosspost-ledger.json*'
if git diff --cached --quiet; then
  echo "The ledger did not change."
  exit 0
fi
git commit -m "$message"
for attempt in 1 2 3 4 5; do
  if git push origin "HEAD:${GITHUB_REF_NAME:-main}"; then
    exit 0
  fi
  echo "Push refused (attempt $attempt); rebasing onto the new ${GITHUB_REF_NAME:-main}." >&2
  sleep $((attempt * 3))
  git pull --rebase origin "${GITHUB_REF_NAME:-main}"
done
echo "Could not push the ledger after 5 attempts." >&2
exit 1
