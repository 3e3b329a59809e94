"""The python3-caldav flow against hanok: discovery from the server root,
the calendars, sync-collection, create, search by time range, update with the
ETag (and a stale ETag refused), delete. Run by TestPythonCalDAV with DAV_URL,
DAV_USER and DAV_PASSWORD set; exits non-zero with a message on failure."""
import datetime
import os
import sys

import caldav

UTC = datetime.timezone.utc


def check(cond, what):
    if not cond:
        sys.exit("FAILED: " + what)


def event(uid, summary, start, end):
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//python-caldav test//EN",
        "BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20261201T000000Z",
        "DTSTART:" + start, "DTEND:" + end, "SUMMARY:" + summary,
        "END:VEVENT", "END:VCALENDAR", ""])


client = caldav.DAVClient(url=os.environ["DAV_URL"], username=os.environ["DAV_USER"], password=os.environ["DAV_PASSWORD"])
principal = client.principal()
calendars = principal.calendars()
paths = sorted(c.url.path for c in calendars)
print("calendars:", paths)
check(any(p.endswith("/calendars/personal/") for p in paths), "the personal calendar is listed")
check(any("/calendars/group-" in p for p in paths), "the selected group is listed")
cal = [c for c in calendars if c.url.path.endswith("/calendars/personal/")][0]

# A sync-collection report (RFC 6578): all, then only what changed.
everything = cal.objects_by_sync_token(load_objects=True)
check([str(o.instance.vevent.summary.value) for o in everything] == ["API dinner"], "the first sync holds the API's event")
token = everything.sync_token
check(token and token.startswith("urn:hanok:sync:"), "a sync token: %r" % token)

created = cal.save_event(event("py-1@test", "Python lunch", "20261210T030000Z", "20261210T040000Z"))
print("created:", created.url)

changes = cal.objects_by_sync_token(sync_token=token, load_objects=True)
check([str(o.instance.vevent.summary.value) for o in changes] == ["Python lunch"], "the next sync holds only the new event")

found = cal.date_search(start=datetime.datetime(2026, 12, 10, tzinfo=UTC), end=datetime.datetime(2026, 12, 11, tzinfo=UTC))
summaries = sorted(str(o.instance.vevent.summary.value) for o in found)
print("10 December:", summaries)
check(summaries == ["API dinner", "Python lunch"], "the day holds the event made here and the one made through the API")
none = cal.date_search(start=datetime.datetime(2026, 12, 12, tzinfo=UTC), end=datetime.datetime(2026, 12, 13, tzinfo=UTC))
check(len(none) == 0, "an empty day is empty")

url = str(created.url)
etag = client.request(url, "GET").headers["ETag"]
check(etag, "GET gives an ETag")
r = client.put(url, event("py-1@test", "Python long lunch", "20261210T030000Z", "20261210T050000Z"),
               {"Content-Type": "text/calendar; charset=utf-8", "If-Match": etag})
check(r.status in (200, 201, 204), "update with the ETag: %s" % r.status)
r = client.put(url, event("py-1@test", "Stale", "20261210T030000Z", "20261210T050000Z"),
               {"Content-Type": "text/calendar; charset=utf-8", "If-Match": etag})
check(r.status == 412, "a stale ETag is refused: %s" % r.status)
again = cal.event_by_url(url)
again.load()
check(str(again.instance.vevent.summary.value) == "Python long lunch", "the update stands, the stale one was not stored")

again.delete()
after = cal.date_search(start=datetime.datetime(2026, 12, 10, tzinfo=UTC), end=datetime.datetime(2026, 12, 11, tzinfo=UTC))
check([str(o.instance.vevent.summary.value) for o in after] == ["API dinner"], "deleted")
print("OK")
