package mastodonhttp

import (
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
)

// The entities of the Mastodon client API (docs.joinmastodon.org/entities),
// with what hanok has; what it has not is empty, false or null.

// Version is the Mastodon version the API answers as: the one whose
// entities it follows, and the server software after it, as other
// servers compatible with Mastodon do.
const Version = "4.2.0 (compatible; hanok)"

// timeFormat is Mastodon's: ISO 8601 in UTC with milliseconds.
const timeFormat = "2006-01-02T15:04:05.000Z"

func mtime(t time.Time) string { return t.UTC().Format(timeFormat) }

// baseURL is the scheme and host the request came to.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func idString[T ~int64](id T) string { return strconv.FormatInt(int64(id), 10) }

// Field is a profile field (none in hanok).
type Field struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	VerifiedAt *string `json:"verified_at"`
}

// Account is Mastodon's Account.
type Account struct {
	ID             string  `json:"id"`
	Username       string  `json:"username"`
	Acct           string  `json:"acct"`
	DisplayName    string  `json:"display_name"`
	Locked         bool    `json:"locked"`
	Bot            bool    `json:"bot"`
	Discoverable   bool    `json:"discoverable"`
	Group          bool    `json:"group"`
	CreatedAt      string  `json:"created_at"`
	Note           string  `json:"note"`
	URL            string  `json:"url"`
	URI            string  `json:"uri"`
	Avatar         string  `json:"avatar"`
	AvatarStatic   string  `json:"avatar_static"`
	Header         string  `json:"header"`
	HeaderStatic   string  `json:"header_static"`
	FollowersCount int     `json:"followers_count"`
	FollowingCount int     `json:"following_count"`
	StatusesCount  int     `json:"statuses_count"`
	LastStatusAt   *string `json:"last_status_at"`
	Emojis         []any   `json:"emojis"`
	Fields         []Field `json:"fields"`
	// Source is set for the signed-in user's own account only
	// (verify_credentials).
	Source *Source `json:"source,omitempty"`
}

// Source is the plain text of the user's own profile.
type Source struct {
	Note                string  `json:"note"`
	Fields              []Field `json:"fields"`
	Privacy             string  `json:"privacy"`
	Sensitive           bool    `json:"sensitive"`
	Language            string  `json:"language"`
	FollowRequestsCount int     `json:"follow_requests_count"`
}

// textHTML is text as Mastodon's HTML: escaped, each paragraph (split at
// blank lines) in <p>, line breaks as <br>.
func textHTML(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n")
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		para = strings.Trim(para, "\n")
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}

// missingImage is where an account's avatar and header would be: hanok
// has none, and Mastodon's clients want a URL.
const missingImage = "/avatars/original/missing.png"

func accountOf(base string, p *microblog.Profile, st microblog.ProfileStats) Account {
	return Account{
		ID:             idString(p.User),
		Username:       p.Handle,
		Acct:           p.Handle,
		DisplayName:    p.Name,
		Discoverable:   true,
		CreatedAt:      mtime(p.Created),
		Note:           textHTML(p.Bio),
		URL:            base + "/@" + p.Handle,
		URI:            base + "/users/" + p.Handle,
		Avatar:         base + missingImage,
		AvatarStatic:   base + missingImage,
		Header:         base + missingImage,
		HeaderStatic:   base + missingImage,
		FollowersCount: st.Followers,
		FollowingCount: st.Following,
		StatusesCount:  st.Tweets,
		Emojis:         []any{},
		Fields:         []Field{},
	}
}

// Status is Mastodon's Status.
type Status struct {
	ID                 string  `json:"id"`
	CreatedAt          string  `json:"created_at"`
	InReplyToID        *string `json:"in_reply_to_id"`
	InReplyToAccountID *string `json:"in_reply_to_account_id"`
	Sensitive          bool    `json:"sensitive"`
	SpoilerText        string  `json:"spoiler_text"`
	Visibility         string  `json:"visibility"`
	Language           *string `json:"language"`
	URI                string  `json:"uri"`
	URL                string  `json:"url"`
	RepliesCount       int     `json:"replies_count"`
	ReblogsCount       int     `json:"reblogs_count"`
	FavouritesCount    int     `json:"favourites_count"`
	EditedAt           *string `json:"edited_at"`
	Favourited         bool    `json:"favourited"`
	Reblogged          bool    `json:"reblogged"`
	Muted              bool    `json:"muted"`
	Bookmarked         bool    `json:"bookmarked"`
	Pinned             bool    `json:"pinned"`
	Content            string  `json:"content"`
	Filtered           []any   `json:"filtered"`
	Reblog             *Status `json:"reblog"`
	Application        *App    `json:"application"`
	Account            Account `json:"account"`
	MediaAttachments   []any   `json:"media_attachments"`
	Mentions           []any   `json:"mentions"`
	Tags               []any   `json:"tags"`
	Emojis             []any   `json:"emojis"`
	Card               any     `json:"card"`
	Poll               any     `json:"poll"`
}

// App is the application of a status (none in hanok).
type App struct {
	Name    string  `json:"name"`
	Website *string `json:"website"`
}

// Context is Mastodon's Context.
type Context struct {
	Ancestors   []Status `json:"ancestors"`
	Descendants []Status `json:"descendants"`
}

// Relationship is Mastodon's Relationship.
type Relationship struct {
	ID                  string   `json:"id"`
	Following           bool     `json:"following"`
	ShowingReblogs      bool     `json:"showing_reblogs"`
	Notifying           bool     `json:"notifying"`
	Languages           []string `json:"languages"`
	FollowedBy          bool     `json:"followed_by"`
	Blocking            bool     `json:"blocking"`
	BlockedBy           bool     `json:"blocked_by"`
	Muting              bool     `json:"muting"`
	MutingNotifications bool     `json:"muting_notifications"`
	Requested           bool     `json:"requested"`
	RequestedBy         bool     `json:"requested_by"`
	DomainBlocking      bool     `json:"domain_blocking"`
	Endorsed            bool     `json:"endorsed"`
	Note                string   `json:"note"`
}

// Application is Mastodon's Application as POST /api/v1/apps answers it,
// with its client credentials.
type Application struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Website      *string  `json:"website"`
	Scopes       []string `json:"scopes"`
	RedirectURI  string   `json:"redirect_uri"`
	RedirectURIs []string `json:"redirect_uris"`
	ClientID     string   `json:"client_id,omitempty"`
	ClientSecret string   `json:"client_secret,omitempty"`
	VapidKey     string   `json:"vapid_key"`
}

func applicationOf(a *auth.App, secret string) Application {
	var website *string
	if a.Website != "" {
		website = &a.Website
	}
	return Application{
		ID:           idString(a.ID),
		Name:         a.Name,
		Website:      website,
		Scopes:       a.Scopes,
		RedirectURI:  strings.Join(a.RedirectURIs, "\n"),
		RedirectURIs: a.RedirectURIs,
		ClientID:     a.ClientID,
		ClientSecret: secret,
		VapidKey:     "",
	}
}

// Token is OAuth's token answer, as Mastodon gives it.
type Token struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	CreatedAt   int64  `json:"created_at"`
	ExpiresIn   int64  `json:"expires_in"`
}

// statusOf is the Status of a tweet; replies counts its replies.
func (h *handler) statusOf(base string, t *microblog.Tweet, replies int, viewer hanok.UserID) Status {
	author := &microblog.Profile{User: t.Author, Handle: t.AuthorHandle, Name: t.AuthorName, Created: t.Created}
	s := Status{
		ID:               idString(t.ID),
		CreatedAt:        mtime(t.Created),
		Visibility:       "public",
		URI:              base + "/users/" + t.AuthorHandle + "/statuses/" + idString(t.ID),
		URL:              base + "/@" + t.AuthorHandle + "/" + idString(t.ID),
		RepliesCount:     replies,
		FavouritesCount:  t.Likes,
		Favourited:       viewer != 0 && t.Liked,
		Content:          textHTML(t.Content),
		Filtered:         []any{},
		Account:          accountOf(base, author, microblog.ProfileStats{}),
		MediaAttachments: []any{},
		Mentions:         []any{},
		Tags:             []any{},
		Emojis:           []any{},
	}
	if t.InReplyTo != 0 {
		id := idString(t.InReplyTo)
		s.InReplyToID = &id
	}
	if !t.Updated.Equal(t.Created) {
		e := mtime(t.Updated)
		s.EditedAt = &e
	}
	return s
}
