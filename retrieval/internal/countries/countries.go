// Package countries lists the world's countries' names from CLDR, for
// the generated table the answer-type check reads (internal/gencountries)
// and the test that checks it: importing display at run time would cost
// every start 2 ms of package initialisation.
package countries

import (
	"github.com/citebot/citebot/analysis"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Names returns the folded country names, in the order of their region
// codes (AA..ZZ), Chinese before English.
func Names() []string {
	var out []string
	tags := []language.Tag{language.SimplifiedChinese, language.English}
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			if err != nil || !r.IsCountry() || code == "UN" || code == "EU" || code == "EZ" {
				continue // groupings of countries are no answer to "which country"
			}
			for _, t := range tags {
				if n := display.Regions(t).Name(r); len([]rune(n)) >= 2 {
					out = append(out, analysis.Fold(n))
				}
			}
		}
	}
	return out
}
