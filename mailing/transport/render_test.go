package transport

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
)

// decoded parses a rendered message back with net/mail and mime: its
// headers, and its text and HTML bodies, line breaks as "\n".
func decoded(t *testing.T, data []byte) (mail.Header, string, string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err)
	part := func(r io.Reader, enc string) string {
		require.Equal(t, "quoted-printable", enc)
		b, err := io.ReadAll(quotedprintable.NewReader(r))
		require.NoError(t, err)
		return strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	ctype, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	if ctype == "text/plain" {
		return msg.Header, part(msg.Body, msg.Header.Get("Content-Transfer-Encoding")), ""
	}
	require.Equal(t, "multipart/alternative", ctype)
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var text, html string
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch p.Header.Get("Content-Type") {
		case "text/plain; charset=UTF-8":
			text = part(p, p.Header.Get("Content-Transfer-Encoding"))
		case "text/html; charset=UTF-8":
			html = part(p, p.Header.Get("Content-Transfer-Encoding"))
		default:
			t.Fatalf("part %q", p.Header.Get("Content-Type"))
		}
	}
	return msg.Header, text, html
}

// The messages of one campaign, rendered by one renderer, share the
// encoding of what comes before each one's unsubscribe link, and each
// decodes to its own text, HTML and headers.
func TestRendererSharesTheCampaignsParts(t *testing.T) {
	r := newRenderer()
	text := "한옥 소식입니다.\n두 번째 줄, trailing space \nand a line long enough to be wrapped by quoted-printable: " + strings.Repeat("가나다", 20) + "\n"
	html := "<p>한옥 소식</p>\n<p>" + strings.Repeat("=", 100) + "</p>"
	for _, tok := range []string{"aaaa", "bbbbbbbb", "c"} {
		link := "https://example.com/mailing/unsubscribe/" + tok + "?x=1&y=2"
		m := mailing.Message{
			MessageID: "campaign-1.subscriber-" + tok + "@example.com", From: "한옥 소식 <news@example.com>", ReplyTo: "Help Desk <help@example.com>",
			ReturnPath: "bounces+" + tok + "@example.com", To: tok + "@example.org", ToName: "김 " + tok, Subject: "12월 소식",
			Text: text + "\n-- \nUnsubscribe: " + link + "\n", HTML: html + "\n<p><a href=\"" + strings.ReplaceAll(link, "&", "&amp;") + "\">Unsubscribe</a></p>\n",
			UnsubscribeURL: link,
		}
		got, err := r.render(m)
		require.NoError(t, err)
		assert.Equal(t, "<bounces+"+tok+"@example.com>", got.From)
		assert.Equal(t, "<"+tok+"@example.org>", got.To)
		h, gotText, gotHTML := decoded(t, got.Data)
		assert.Equal(t, m.Text, gotText)
		assert.Equal(t, m.HTML, gotHTML)
		to, err := mail.ParseAddress(h.Get("To"))
		require.NoError(t, err)
		assert.Equal(t, mail.Address{Name: m.ToName, Address: m.To}, *to)
		from, err := mail.ParseAddress(h.Get("From"))
		require.NoError(t, err)
		assert.Equal(t, mail.Address{Name: "한옥 소식", Address: "news@example.com"}, *from)
		subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
		require.NoError(t, err)
		assert.Equal(t, m.Subject, subject)
		assert.Equal(t, "<"+link+">", h.Get("List-Unsubscribe"))
		assert.Equal(t, "<"+m.MessageID+">", h.Get("Message-ID"))
		_, err = h.Date()
		assert.NoError(t, err)
	}
	assert.Len(t, r.shared, 5, "from, reply-to, subject, the text's and the HTML's head, and nothing per recipient")
}

// Header injection through any field of a message is refused or
// encoded: no field can add a header line.
func TestRenderRefusesHeaderInjection(t *testing.T) {
	base := mailing.Message{MessageID: "m@example.com", From: "news@example.com", To: "a@example.org", Subject: "s", Text: "t\n", UnsubscribeURL: "https://example.com/u/x"}
	for name, edit := range map[string]func(*mailing.Message){
		"to":          func(m *mailing.Message) { m.To = "a@example.org\r\nBcc: evil@example.net" },
		"return path": func(m *mailing.Message) { m.ReturnPath = "b@example.com>\r\nBcc: evil@example.net" },
		"from":        func(m *mailing.Message) { m.From = "news@example.com\r\nBcc: evil@example.net" },
		"reply-to":    func(m *mailing.Message) { m.ReplyTo = "x@example.com\nBcc: evil@example.net" },
		"message id":  func(m *mailing.Message) { m.MessageID = "m@example.com>\r\nBcc: evil@example.net" },
		"link":        func(m *mailing.Message) { m.UnsubscribeURL = "https://example.com/u>\r\nBcc: evil@example.net" },
	} {
		m := base
		edit(&m)
		_, err := Render(m)
		require.Error(t, err, name)
		assert.True(t, mailing.IsPermanent(err), name)
	}
	for name, edit := range map[string]func(*mailing.Message){
		"name":    func(m *mailing.Message) { m.ToName = "Kim\r\nBcc: evil@example.net" },
		"subject": func(m *mailing.Message) { m.Subject = "hello\r\nBcc: evil@example.net" },
	} {
		m := base
		edit(&m)
		got, err := Render(m)
		require.NoError(t, err, name)
		h, _, _ := decoded(t, got.Data)
		assert.Empty(t, h.Get("Bcc"), name)
	}
}

// FuzzRenderBody: a body rendered by a renderer that keeps its head is
// the quoted-printable encoding of the whole body, the first time and
// when the head is kept, and decodes back to the body.
func FuzzRenderBody(f *testing.F) {
	f.Add("line one\nline two\n\n-- \nUnsubscribe: https://x/u/1\n", "https://x/u/1")
	f.Add("<p>x</p>\n<p><a href=\"https://x/u/1?a=1&amp;b=2\">Unsubscribe</a></p>\n", "https://x/u/1?a=1&amp;b=2")
	f.Add("no link here\r\nat all ", "https://x/u/1")
	f.Add("https://x/u/1 at the start\n", "https://x/u/1")
	f.Add("trailing space \n\ttab\t\nhttps://x/u/1", "https://x/u/1")
	f.Add(strings.Repeat("가", 40)+"\n"+strings.Repeat("=", 80)+"\nlink", "link")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, body, link string) {
		want := quotedPrintable(body)
		r := newRenderer()
		for range 2 {
			var b bytes.Buffer
			r.body(&b, body, link)
			require.Equal(t, want, b.String())
		}
	})
}
