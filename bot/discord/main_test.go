package discord

import (
	"flag"
	"os"
	"testing"
)

// TestMain runs more tests at once than the default (one per CPU) unless
// -parallel is given: these tests mostly wait, each session's close on
// discordgo's fixed one-second pause for the gateway, so running sixteen at
// a time takes the package from about 30 s to about 8 s under -race on two
// CPUs, with the same checks (eight: about 10 s).
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", "16")
	}
	os.Exit(m.Run())
}
