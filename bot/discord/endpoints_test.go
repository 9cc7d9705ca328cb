package discord

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// initial holds discordgo's endpoint values from init, before any test runs.
var initial = func() map[string]string {
	m := map[string]string{}
	for k, v := range endpointVars() {
		m[k] = *v
	}
	return m
}()

func TestPointEndpoints(t *testing.T) {
	t.Cleanup(func() {
		if err := PointEndpoints(""); err != nil {
			t.Fatal(err)
		}
	})
	for _, tc := range []struct {
		base, want string
		wantErr    bool
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/", false},
		{"https://chat.example.org/spacebar/", "https://chat.example.org/spacebar/", false},
		{"ftp://example.org", "", true},
		{"example.org", "", true},
		{"https://user:pw@example.org", "", true},
	} {
		err := PointEndpoints(tc.base)
		if (err != nil) != tc.wantErr {
			t.Fatalf("PointEndpoints(%q) = %v", tc.base, err)
		}
		if err != nil {
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("error %q shows the URL's password", err)
			}
			continue
		}
		for name, v := range endpointVars() {
			if !strings.HasPrefix(*v, tc.want) {
				t.Errorf("base %s: %s = %q", tc.base, name, *v)
			}
		}
		// Function endpoints build on the strings at call time.
		for _, got := range []string{
			discordgo.EndpointApplicationGlobalCommands("1"),
			discordgo.EndpointApplicationGuildCommands("1", "2"),
			discordgo.EndpointInteractionResponse("1", "tok"),
			discordgo.EndpointInteractionResponseActions("1", "tok"),
			discordgo.EndpointFollowupMessageActions("1", "tok", "3"),
			discordgo.EndpointChannelMessages("1"),
			discordgo.EndpointChannelMessageThread("1", "2"),
			discordgo.EndpointUser("@me"),
		} {
			if !strings.HasPrefix(got, tc.want+"api/v9/") {
				t.Errorf("base %s: endpoint %q", tc.base, got)
			}
		}
	}
	// The default restores discordgo's own values exactly.
	if err := PointEndpoints(""); err != nil {
		t.Fatal(err)
	}
	for name, v := range endpointVars() {
		if *v != initial[name] {
			t.Errorf("default %s = %q, discordgo had %q", name, *v, initial[name])
		}
	}
}

// TestEndpointVarsCoverDiscordgo reads discordgo's source so that an upgrade
// adding a string endpoint fails here instead of silently reaching discord.com.
func TestEndpointVarsCoverDiscordgo(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/bwmarrin/discordgo").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	file := filepath.Join(strings.TrimSpace(string(out)), "endpoints.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	known := endpointVars()
	funcs := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Endpoint") || i >= len(vs.Values) {
					continue
				}
				if isFuncValue(vs.Values[i]) {
					funcs++
					continue
				}
				if _, ok := known[name.Name]; !ok {
					t.Errorf("discordgo.%s is not re-pointed by PointEndpoints", name.Name)
				}
			}
		}
	}
	if funcs < 50 {
		t.Errorf("found only %d function endpoints: the parser check is broken", funcs)
	}
}

// isFuncValue says whether an endpoint is a function (a literal, or an alias
// of another function endpoint, which discordgo names like the funcs).
func isFuncValue(e ast.Expr) bool {
	switch v := e.(type) {
	case *ast.FuncLit:
		return true
	case *ast.Ident:
		_, isString := endpointVars()[v.Name]
		return !isString
	}
	return false
}

func ExamplePointEndpoints() {
	if err := PointEndpoints("http://127.0.0.1:8080"); err != nil {
		panic(err)
	}
	fmt.Println(discordgo.EndpointGateway)
	fmt.Println(discordgo.EndpointApplicationGlobalCommands("42"))
	_ = PointEndpoints(DefaultBaseURL)
	fmt.Println(discordgo.EndpointGateway)
	// Output:
	// http://127.0.0.1:8080/api/v9/gateway
	// http://127.0.0.1:8080/api/v9/applications/42/commands
	// https://discord.com/api/v9/gateway
}
