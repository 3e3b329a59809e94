package transport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/transport"
)

// subjects are the subjects the header tests render: short and long,
// Korean, mixed, and plain ASCII long enough to fold.
var subjects = []string{
	"hello",
	"한옥 소식",
	"한옥 메일링 리스트의 아주 긴 제목입니다: 이번 주 소식과 공지 사항을 전해 드립니다. 끝까지 읽어 주셔서 감사합니다!",
	"Weekly news: 한옥 (hanok) 2026년 12월호 — 특집 \"전통 가옥\" 과 =?not-a-word?= 이야기",
	"A plain ASCII subject that is long enough to be folded at least once or twice by the header writer, surely",
	strings.Repeat("가", 120),
	"emoji 🏠 and Hangul 한옥 🏯 mixed " + strings.Repeat("😀", 30),
}

func message(subject string) mailing.Message {
	return mailing.Message{
		MessageID: "campaign-1.subscriber-2@news.example.com", Campaign: 1, Subscriber: 2,
		CampaignCreated: time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC),
		From:            "한옥 소식 <news@example.com>", ReplyTo: "Help Desk <help@example.com>",
		ReturnPath: "bounces@example.com",
		To:         "kim@example.org", ToName: "김 철수",
		Subject: subject, Text: "본문\n", UnsubscribeURL: "https://example.com/mailing/unsubscribe/x",
	}
}

func render(t *testing.T, m mailing.Message) []byte {
	t.Helper()
	var b bytes.Buffer
	_, err := transport.WriteMessage(&b, m)
	require.NoError(t, err)
	return b.Bytes()
}

// TestHeaders parses produced messages back with net/mail and
// mime.WordDecoder: the subject comes back whole, no header line is
// longer than 76 characters where the words allow, the subject's first
// word is on its own line, and To carries the name.
func TestHeaders(t *testing.T) {
	for _, subject := range subjects {
		raw := render(t, message(subject))
		head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
		for _, line := range strings.Split(string(head), "\r\n") {
			assert.LessOrEqual(t, len(line), 78, "line %q", line)
		}
		assert.NotContains(t, string(head), "Subject:\r\n", "the subject must start on the header's line")
		assert.NotContains(t, string(head), "EnvelopeFrom", "the envelope sender is no header")
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		require.NoError(t, err)
		got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		require.NoError(t, err)
		assert.Equal(t, subject, got)
		to, err := msg.Header.AddressList("To")
		require.NoError(t, err)
		assert.Equal(t, []*mail.Address{{Name: "김 철수", Address: "kim@example.org"}}, to)
		from, err := msg.Header.AddressList("From")
		require.NoError(t, err)
		assert.Equal(t, []*mail.Address{{Name: "한옥 소식", Address: "news@example.com"}}, from)
		replyTo, err := msg.Header.AddressList("Reply-To")
		require.NoError(t, err)
		assert.Equal(t, []*mail.Address{{Name: "Help Desk", Address: "help@example.com"}}, replyTo)
		assert.Equal(t, "<https://example.com/mailing/unsubscribe/x>", msg.Header.Get("List-Unsubscribe"))
	}
}

// TestSubjectFolding pins the folded form of a Korean subject: the first
// encoded word right after "Subject: ".
func TestSubjectFolding(t *testing.T) {
	v := transport.EncodeSubject(strings.Repeat("한", 40))
	lines := strings.Split(v, "\r\n ")
	require.Greater(t, len(lines), 1)
	assert.True(t, strings.HasPrefix(v, "=?UTF-8?B?"), v)
	assert.LessOrEqual(t, len("Subject: "+lines[0]), 76)
	for _, l := range lines[1:] {
		assert.LessOrEqual(t, len(" "+l), 76)
	}
	assert.Equal(t, "short one", transport.EncodeSubject("short one"))
	// Line breaks in a subject are spaces, not a header of their own.
	assert.Equal(t, "a  Bcc: x@example.com", transport.EncodeSubject("a\r\nBcc: x@example.com"))
}

// TestHeadersPython reads the produced messages with Python's email
// package (policy default), which decoded the subject folded right after
// the colon with a leading space.
func TestHeadersPython(t *testing.T) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("no " + python)
	}
	dir := t.TempDir()
	for i, subject := range subjects {
		require.NoError(t, os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".eml"), render(t, message(subject)), 0o600))
	}
	script := `
import email, email.policy, json, sys, glob
out = []
for p in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    with open(p, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    to = m["To"].addresses[0]
    out.append({"subject": str(m["Subject"]), "to_name": to.display_name, "to": to.addr_spec,
                "from_name": m["From"].addresses[0].display_name, "body": m.get_content()})
print(json.dumps(out))
`
	out, err := exec.Command(python, "-c", script, dir).Output()
	require.NoError(t, err)
	var got []struct {
		Subject  string `json:"subject"`
		ToName   string `json:"to_name"`
		To       string `json:"to"`
		FromName string `json:"from_name"`
		Body     string `json:"body"`
	}
	require.NoError(t, json.Unmarshal(out, &got))
	require.Len(t, got, len(subjects))
	for i, g := range got {
		assert.Equal(t, subjects[i], g.Subject)
		assert.Equal(t, "김 철수", g.ToName)
		assert.Equal(t, "kim@example.org", g.To)
		assert.Equal(t, "한옥 소식", g.FromName)
		assert.Equal(t, "본문\n", g.Body)
	}
}

// TestDirWriterNames: two databases' campaign 1 to subscriber 1 (created
// at different times) get two files; the same message sent again
// replaces its file.
func TestDirWriterNames(t *testing.T) {
	dir := t.TempDir()
	w, err := transport.NewDirWriter(dir)
	require.NoError(t, err)
	ctx := context.Background()
	a := message("first database")
	b := message("second database")
	b.CampaignCreated = a.CampaignCreated.Add(time.Microsecond)
	require.NoError(t, w.Send(ctx, a))
	require.NoError(t, w.Send(ctx, b))
	require.NoError(t, w.Send(ctx, a))
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	require.Len(t, files, 2)
	assert.Equal(t, "c1-20260301T090000.123456789Z-s2.eml", filepath.Base(files[0]))
	assert.Equal(t, "c1-20260301T090000.123457789Z-s2.eml", filepath.Base(files[1]))
}

// Messages from outside the outbox are named after their Message-ID.
func TestFileNameOutsideTheOutbox(t *testing.T) {
	assert.Equal(t, "confirm-7.1764674401000000000@lists.hanok.example.eml",
		transport.FileName(mailing.Message{MessageID: "confirm-7.1764674401000000000@lists.hanok.example", Subscriber: 7}))
	assert.Equal(t, "test-1.5@x_y.eml", transport.FileName(mailing.Message{MessageID: "test-1.5@x/y", Campaign: 1}))
}
