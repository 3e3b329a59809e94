"""Fetches a subscription link the way calendar apps poll it (conditional
GETs) and parses it with python3-icalendar. Run by TestFeedWithClients
with FEED_URL set and, for a second poll, FEED_ETAG and FEED_MODIFIED of
the first; prints one line of JSON: the status, the validators and the
subjects; exits non-zero with a message on failure."""
import json
import os
import sys
import urllib.error
import urllib.request

import icalendar


def get(headers):
    req = urllib.request.Request(os.environ["FEED_URL"], headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


etag, modified = os.environ.get("FEED_ETAG"), os.environ.get("FEED_MODIFIED")
if not etag:
    status, headers, body = get({})
    if status != 200:
        sys.exit("FAILED: first fetch %s" % status)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    for name, h in (("If-None-Match", {"If-None-Match": etag}), ("If-Modified-Since", {"If-Modified-Since": modified})):
        s, _, b = get(h)
        if s != 304 or b:
            sys.exit("FAILED: a poll by %s of an unchanged calendar: %s" % (name, s))
else:
    status, headers, body = get({"If-None-Match": etag, "If-Modified-Since": modified})
    if status == 304:
        print(json.dumps({"status": 304}))
        sys.exit(0)
cal = icalendar.Calendar.from_ical(body)
subjects = sorted(str(c.get("summary")) for c in cal.walk("VEVENT"))
rrules = [c.get("rrule").to_ical().decode() for c in cal.walk("VEVENT") if c.get("rrule")]
print(json.dumps({"status": status, "etag": headers["ETag"], "modified": headers["Last-Modified"], "subjects": subjects, "rrules": rrules}))
