package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

// commandsUsage lists the subcommands.
const commandsUsage = `commands (the server's flags may come before or after them):
  backup FILE                              write a consistent copy of the database to the new FILE
  user add [-email E] [-superuser] NAME    create a user (password: $HANOK_PASSWORD or the first line of stdin)
  user passwd NAME                         set a user's password (the same way); ends the user's sessions
  user list                                list the users
  user superuser [-off] NAME               make a user a superuser (or, with -off, no longer one)
  auction import FILE.xlsx                 add the brands, kinds and models of a catalog file
  auction seed [-n N] [-owner NAME]        generate N test cars (default 500) owned by a superuser
  trials-sync [-force]                     run one sync of the trials mirror from -trials-source now;
                                           -force lets it withdraw more than -trials-max-withdraw
  trials import FILE.json                  run one sync of the trials mirror from a file in the upstream's JSON
  help                                     print this list`

// runCommand runs the subcommand in c.command on the database of c's
// flags. Every bad input is an error saying what was wrong; main exits
// non-zero with it. -h after a command prints its usage (flag.ErrHelp).
func runCommand(ctx context.Context, c *config, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	name, args := c.command[0], c.command[1:]
	// The services' own info lines would drown the commands' output.
	logger := c.quietLogger(stdout)
	switch name {
	case "backup":
		return cmdBackup(ctx, c, args, stdout)
	case "user":
		return cmdUser(ctx, c, args, getenv, logger, stdin, stdout)
	case "auction":
		return cmdAuction(ctx, c, args, logger, stdout)
	case "trials-sync":
		fs := newFlags("trials-sync")
		fs.BoolVar(&c.trials.force, "force", false, "let the run withdraw more than -trials-max-withdraw of the mirror")
		if err := c.parseCommand(fs, "trials-sync [-force] [flags]", args, stdout); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("trials-sync: unexpected argument %q (usage: trials-sync [-force] [flags])", fs.Arg(0))
		}
		return cmdTrialsSync(ctx, c, stdout)
	case "trials":
		return cmdTrials(ctx, c, args, stdout)
	case "help":
		fmt.Fprintln(stdout, commandsUsage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", name, commandsUsage)
}

// quietLogger is c's logger raised to warnings at least.
func (c *config) quietLogger(out io.Writer) *slog.Logger {
	q := *c
	var l slog.Level
	_ = l.UnmarshalText([]byte(c.logLevel))
	if l < slog.LevelWarn {
		q.logLevel = "warn"
	}
	return q.logger(out)
}

// cmdBackup writes a copy of the database with VACUUM INTO: safe while a
// server writes to it.
func cmdBackup(ctx context.Context, c *config, args []string, stdout io.Writer) error {
	const usage = "backup FILE (a new file to write the copy to)"
	fs := newFlags("backup")
	if err := c.parseCommand(fs, usage, args, stdout); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) != 1 || args[0] == "" {
		return errors.New("usage: " + usage)
	}
	if c.db == "memory" {
		return errors.New("backup: -db memory has nothing to back up; give the database file with -db")
	}
	if postgres.IsDSN(c.db) {
		return fmt.Errorf("backup: -db %s is a PostgreSQL database: back it up with pg_dump (backup copies SQLite files)", postgres.Redacted(c.db))
	}
	if _, err := os.Stat(c.db); err != nil {
		return fmt.Errorf("backup: -db %s: %w", c.db, err)
	}
	db, err := sqlite.Open(ctx, c.db)
	if err != nil {
		return fmt.Errorf("backup: -db %s: %w", c.db, err)
	}
	defer db.Close()
	if err := db.Backup(ctx, args[0]); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	st, err := os.Stat(args[0])
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes)\n", c.db, args[0], st.Size())
	return nil
}

// commandStores opens the stores of c for a command: a database file,
// never memory (a command on memory stores would change nothing that
// lasts).
func commandStores(ctx context.Context, c *config, what string, withMedia bool) (*stores, error) {
	if c.db == "memory" {
		return nil, fmt.Errorf("%s: -db memory keeps nothing; give the database file with -db", what)
	}
	return openStores(ctx, c, withMedia)
}

// commandAuth is the auth service of a command, under the same secret as
// the server's.
func commandAuth(ctx context.Context, c *config, st *stores, logger *slog.Logger) (*auth.Service, error) {
	secret := []byte(c.jwtSecret)
	if len(secret) == 0 {
		var err error
		if secret, err = st.auth.Secret(ctx, "jwt", auth.GenerateSecret()); err != nil {
			return nil, fmt.Errorf("jwt secret: %w", err)
		}
	}
	return auth.New(st.auth, auth.Config{Secret: secret, Logger: logger})
}

// newFlags returns the flag set of a subcommand (parsed by
// config.parseCommand).
func newFlags(name string) *flag.FlagSet {
	return flag.NewFlagSet(name, flag.ContinueOnError)
}

func cmdUser(ctx context.Context, c *config, args []string, getenv func(string) string, logger *slog.Logger, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: user add|passwd|list|superuser ARGS (see: help)")
	}
	sub, args := args[0], args[1:]
	var (
		fs    *flag.FlagSet
		usage string
		email string
		super bool
		off   bool
		nargs = 1
	)
	switch sub {
	case "add":
		usage = "user add [-email E] [-superuser] NAME"
		fs = newFlags("user add")
		fs.StringVar(&email, "email", "", "the user's email (optional)")
		fs.BoolVar(&super, "superuser", false, "make the user a superuser")
	case "passwd":
		usage = "user passwd NAME"
		fs = newFlags("user passwd")
	case "list":
		usage = "user list"
		fs = newFlags("user list")
		nargs = 0
	case "superuser":
		usage = "user superuser [-off] NAME"
		fs = newFlags("user superuser")
		fs.BoolVar(&off, "off", false, "withdraw the superuser flag instead")
	default:
		return fmt.Errorf("unknown command \"user %s\"; usage: user add|passwd|list|superuser ARGS (see: help)", sub)
	}
	if err := c.parseCommand(fs, usage, args, stdout); err != nil {
		return err
	}
	if fs.NArg() != nargs {
		return errors.New("usage: " + usage)
	}
	st, err := commandStores(ctx, c, "user "+sub, false)
	if err != nil {
		return err
	}
	defer st.close()
	authn, err := commandAuth(ctx, c, st, logger)
	if err != nil {
		return err
	}
	name := fs.Arg(0)
	switch sub {
	case "add":
		pw, err := readPassword(getenv, stdin, stdout, name)
		if err != nil {
			return err
		}
		u, err := authn.CreateUser(ctx, auth.RegisterInput{Username: name, Password: pw, Email: email}, super)
		if err != nil {
			return fmt.Errorf("user add: %w", err)
		}
		kind := "user"
		if u.Superuser {
			kind = "superuser"
		}
		fmt.Fprintf(stdout, "created %s %s (id %d)\n", kind, u.Username, u.ID)
	case "passwd":
		u, err := userByName(ctx, authn, "user passwd", name)
		if err != nil {
			return err
		}
		pw, err := readPassword(getenv, stdin, stdout, name)
		if err != nil {
			return err
		}
		if err := authn.SetPassword(ctx, u.ID, pw); err != nil {
			return fmt.Errorf("user passwd: %w", err)
		}
		fmt.Fprintf(stdout, "password of %s set; its sessions are ended\n", u.Username)
	case "list":
		us, err := authn.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tEMAIL\tSUPERUSER\tCREATED")
		for _, u := range us {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%s\n", u.ID, u.Username, u.Email, u.Superuser, u.Created.Format("2006-01-02 15:04:05Z07:00"))
		}
		return tw.Flush()
	case "superuser":
		u, err := userByName(ctx, authn, "user superuser", name)
		if err != nil {
			return err
		}
		if err := authn.SetSuperuser(ctx, u.ID, !off); err != nil {
			return fmt.Errorf("user superuser: %w", err)
		}
		if off {
			fmt.Fprintf(stdout, "%s is no longer a superuser\n", u.Username)
		} else {
			fmt.Fprintf(stdout, "%s is a superuser\n", u.Username)
		}
	}
	return nil
}

// userByName is the user called name, or an error of the command cmd
// that names the missing user.
func userByName(ctx context.Context, authn *auth.Service, cmd, name string) (*auth.User, error) {
	u, err := authn.UserByName(ctx, name)
	if errors.Is(err, auth.ErrUserNotFound) {
		return nil, fmt.Errorf("%s: there is no user %q (user list shows them; user add %s creates it)", cmd, name, name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	return u, nil
}

// readPassword reads a password from $HANOK_PASSWORD, else from the first
// line of stdin (prompting for it when stdin is a terminal; the password
// is then shown as it is typed).
func readPassword(getenv func(string) string, stdin io.Reader, stdout io.Writer, name string) (string, error) {
	if pw := getenv("HANOK_PASSWORD"); pw != "" {
		return pw, nil
	}
	if isTerminal(stdin) {
		fmt.Fprintf(stdout, "password for %s: ", name)
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password: set HANOK_PASSWORD or give it on the first line of standard input")
	}
	return pw, nil
}

func cmdAuction(ctx context.Context, c *config, args []string, logger *slog.Logger, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: auction import FILE.xlsx | auction seed [-n N] [-owner NAME]")
	}
	sub, args := args[0], args[1:]
	var (
		fs    *flag.FlagSet
		usage string
		n     int
		owner string
		nargs int
	)
	switch sub {
	case "import":
		usage = "auction import FILE.xlsx"
		fs = newFlags("auction import")
		nargs = 1
	case "seed":
		usage = "auction seed [-n N] [-owner NAME]"
		fs = newFlags("auction seed")
		fs.IntVar(&n, "n", auction.DefaultSeedCount, "number of cars to generate, 1 to 100000")
		fs.StringVar(&owner, "owner", "", "the superuser who owns the cars (default: the first superuser)")
	default:
		return fmt.Errorf("unknown command \"auction %s\"; usage: auction import FILE.xlsx | auction seed [-n N] [-owner NAME]", sub)
	}
	if err := c.parseCommand(fs, usage, args, stdout); err != nil {
		return err
	}
	if fs.NArg() != nargs {
		return errors.New("usage: " + usage)
	}
	if sub == "seed" && (n < 1 || n > 100_000) {
		return fmt.Errorf("auction seed: -n %d: must be between 1 and 100000", n)
	}
	var file *os.File
	if sub == "import" {
		// Opened before the database, so that a wrong name changes nothing.
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("auction import: %w", err)
		}
		defer f.Close()
		file = f
	}
	st, err := commandStores(ctx, c, "auction "+sub, true)
	if err != nil {
		return err
	}
	defer st.close()
	svc, err := auction.New(st.auction, st.auctionMedia, auction.Config{AuctionDuration: c.auctionDuration, Logger: logger})
	if err != nil {
		return err
	}
	switch sub {
	case "import":
		rep, err := svc.ImportCatalog(ctx, file)
		if err != nil {
			return fmt.Errorf("auction import %s: %w", fs.Arg(0), err)
		}
		fmt.Fprintf(stdout, "imported %s: %d rows; new: %d brands, %d kinds, %d models\n", fs.Arg(0), rep.Rows, rep.Brands, rep.Kinds, rep.Models)
		return nil
	default:
		authn, err := commandAuth(ctx, c, st, logger)
		if err != nil {
			return err
		}
		actor, err := seedOwner(ctx, authn, owner)
		if err != nil {
			return err
		}
		return seed(ctx, svc, actor, n, stdout)
	}
}

// seedOwner is the superuser named owner, or the first superuser.
func seedOwner(ctx context.Context, authn *auth.Service, owner string) (hanok.Actor, error) {
	if owner != "" {
		u, err := authn.UserByName(ctx, owner)
		if err != nil {
			return hanok.Actor{}, fmt.Errorf("auction seed: -owner %s: %s", owner, hanok.MessageOf(err))
		}
		if !u.Superuser {
			return hanok.Actor{}, fmt.Errorf("auction seed: -owner %s is not a superuser (user superuser %s makes it one)", owner, owner)
		}
		return u.Actor(), nil
	}
	us, err := authn.Users(ctx)
	if err != nil {
		return hanok.Actor{}, err
	}
	for _, u := range us {
		if u.Superuser {
			return u.Actor(), nil
		}
	}
	return hanok.Actor{}, errors.New("auction seed: there is no superuser to own the cars; create one with: user add -superuser NAME")
}

// seedBatch is how many cars one Seed call generates: the progress steps.
const seedBatch = 500

// seed generates n cars in batches, showing progress.
func seed(ctx context.Context, svc *auction.Service, actor hanok.Actor, n int, stdout io.Writer) error {
	p := newProgress(stdout, "seeding cars", n)
	for done := 0; done < n; {
		k := min(seedBatch, n-done)
		if _, err := svc.Seed(ctx, actor, k); err != nil {
			p.abort()
			return fmt.Errorf("auction seed: %w", err)
		}
		done += k
		p.set(done)
	}
	p.finish()
	fmt.Fprintf(stdout, "generated %d test cars owned by %s\n", n, actor.Username)
	return nil
}
