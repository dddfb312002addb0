package accounts_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/cli"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// accountJSON is what "operator add --json" and "operator list --json" print.
type accountJSON struct {
	ID, Name, Role, Area, Created, Token, Link, Expires string
}

// runCmd runs "vneidbot operator|officer ARGS" with REDIS_URL url and PUBLIC_URL base:
// the exit code, stdout and stderr.
func runCmd(t *testing.T, url, base string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	o := accounts.CLIOptions{RedisURL: url, PublicURL: base}
	cmd := accounts.OperatorCommand
	if args[0] == "officer" {
		cmd = accounts.OfficerCommand
	}
	code := cli.Exit(cmd(context.Background(), o, args[1:], &out, &errOut), &errOut)
	return code, out.String(), errOut.String()
}

// TestOperatorAddListRemove: add prints a token that signs in, list shows
// the account without it, remove ends the account and its sessions.
func TestOperatorAddListRemove(t *testing.T) {
	m := miniredis.RunT(t)
	url, base := "redis://"+m.Addr()+"/0", "https://hotro.example.gov.vn"

	code, out, errOut := runCmd(t, url, base, "operator", "add", "--name", "Trần Thị Lan", "--role", "editor", "--json")
	if code != 0 {
		t.Fatalf("operator add: exit %d: %s", code, errOut)
	}
	var added accountJSON
	if err := json.Unmarshal([]byte(out), &added); err != nil {
		t.Fatalf("operator add --json: %v\n%s", err, out)
	}
	if added.Name != "Trần Thị Lan" || added.Role != "editor" || added.ID == "" || !strings.HasPrefix(added.Token, accounts.TokenPrefix) {
		t.Fatalf("added = %+v", added)
	}
	if want := "https://hotro.example.gov.vn/admin/signin#" + added.Token; added.Link != want {
		t.Fatalf("link = %q, want %q", added.Link, want)
	}

	code, out, errOut = runCmd(t, url, base, "operator", "add", "--name", "Minh", "--role", "publisher")
	if code != 0 || !strings.Contains(out, "Sign-in link: https://hotro.example.gov.vn/admin/signin#vna_") || !strings.Contains(out, "publisher") {
		t.Fatalf("operator add (text): exit %d\n%s%s", code, out, errOut)
	}

	// The token signs in, through the same store the pages use.
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: "redis://" + m.Addr() + "/0"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	accts := accounts.New(st, nil)
	a, sid, err := accts.SignIn(ctx, added.Token, 0)
	if err != nil || a.ID != added.ID || !a.CanEdit() || a.CanPublish() {
		t.Fatalf("sign in with the printed token: %+v, %v", a, err)
	}

	code, out, _ = runCmd(t, url, base, "operator", "list", "--json")
	var list []accountJSON
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 {
		t.Fatalf("operator list --json: exit %d\n%s", code, out)
	}
	if strings.Contains(out, added.Token) || list[0].Token != "" {
		t.Fatal("operator list shows a token")
	}
	code, out, _ = runCmd(t, url, base, "operator", "list")
	if code != 0 || !strings.Contains(out, "Trần Thị Lan") || !strings.Contains(out, "publisher") {
		t.Fatalf("operator list: exit %d\n%s", code, out)
	}

	// Officers are not operators: "operator remove" does not touch them.
	if _, _, err := accts.Create(ctx, "Hà", accounts.Officer, "Xã An Phú"); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCmd(t, url, base, "operator", "remove", "Hà"); code == 0 || !strings.Contains(errOut, "no editor or publisher") {
		t.Fatalf("operator remove of an officer: exit %d: %s", code, errOut)
	}

	code, out, errOut = runCmd(t, url, base, "operator", "remove", "tran thi lan")
	if code != 0 || !strings.Contains(out, added.ID) {
		t.Fatalf("operator remove: exit %d: %s%s", code, out, errOut)
	}
	if _, err := accts.Session(ctx, sid); err == nil {
		t.Fatal("the removed operator's session still works")
	}
	if _, err := accts.Authenticate(ctx, added.Token); err == nil {
		t.Fatal("the removed operator's token still works")
	}
}

func TestOperatorUsageErrors(t *testing.T) {
	m := miniredis.RunT(t)
	url, base := "redis://"+m.Addr()+"/0", ""
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"operator"}, "expected add, link, list or remove"},
		{[]string{"operator", "add", "--role", "editor"}, "--name is required"},
		{[]string{"operator", "add", "--name", "Lan"}, "--role must be editor or publisher"},
		{[]string{"operator", "add", "--name", "Lan", "--role", "officer"}, "officer add"},
		{[]string{"operator", "remove"}, "give one account id or name"},
		{[]string{"operator", "list", "extra"}, "unexpected argument"},
		{[]string{"operator", "rename"}, "unknown subcommand"},
	} {
		code, _, errOut := runCmd(t, url, base, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", c.args, code, errOut, 2, c.want)
		}
	}
	if code, _, errOut := runCmd(t, "", "", "operator", "list"); code != 2 || !strings.Contains(errOut, "REDIS_URL") {
		t.Errorf("without REDIS_URL: exit %d, %q", code, errOut)
	}
	code, _, _ := runCmd(t, url, base, "operator", "add", "--name", "Lan", "--role", "editor")
	if code != 0 {
		t.Fatal("first add failed")
	}
	if code, _, errOut := runCmd(t, url, base, "operator", "add", "--name", "LAN", "--role", "editor"); code != 2 || !strings.Contains(errOut, "exists") {
		t.Errorf("same name twice: exit %d, %q", code, errOut)
	}
}

// TestOfficerLink: "officer link" gives an officer a new sign-in link and
// token, which say when they stop working (SIGNIN_LINK_TTL); the old token
// stops at once. "operator link" does not touch officers.
func TestOfficerLink(t *testing.T) {
	m := miniredis.RunT(t)
	url, base := "redis://"+m.Addr()+"/0", "https://hotro.example.gov.vn"
	code, out, errOut := runCmd(t, url, base, "officer", "add", "--name", "Hà", "--area", "Xã An Phú", "--json")
	var added accountJSON
	if code != 0 || json.Unmarshal([]byte(out), &added) != nil {
		t.Fatalf("officer add: exit %d: %s%s", code, out, errOut)
	}
	exp, err := time.Parse(time.RFC3339, added.Expires)
	if err != nil || exp.Sub(time.Now()) < accounts.DefaultLinkLife-time.Minute || exp.Sub(time.Now()) > accounts.DefaultLinkLife {
		t.Fatalf("add: expires %q, want %v from now", added.Expires, accounts.DefaultLinkLife)
	}
	if code, _, errOut := runCmd(t, url, base, "operator", "link", "Hà"); code == 0 || !strings.Contains(errOut, "no editor or publisher") {
		t.Fatalf("operator link of an officer: exit %d: %s", code, errOut)
	}
	code, out, errOut = runCmd(t, url, base, "officer", "link", "ha")
	if code != 0 || !strings.Contains(out, "Sign-in link: https://hotro.example.gov.vn/admin/signin#vna_") || !strings.Contains(out, "Works until:") || strings.Contains(out, added.Token) {
		t.Fatalf("officer link: exit %d\n%s%s", code, out, errOut)
	}
	tok := out[strings.Index(out, "Token:")+len("Token:"):]
	tok = strings.Fields(tok)[0]

	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	accts := accounts.New(st, nil)
	if _, err := accts.Authenticate(ctx, added.Token); !errors.Is(err, accounts.ErrRevoked) {
		t.Fatalf("the old token after officer link: %v, want ErrRevoked", err)
	}
	if a, err := accts.Authenticate(ctx, tok); err != nil || a.ID != added.ID {
		t.Fatalf("the new token: %+v, %v", a, err)
	}
	if code, _, errOut := runCmd(t, url, base, "officer", "link"); code != 2 || !strings.Contains(errOut, "give one account id or name") {
		t.Fatalf("officer link without a name: exit %d: %s", code, errOut)
	}
}
