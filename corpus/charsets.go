package corpus

// Character sets for the tests of lazyre.Regexp.OnlyIf.
const (
	digits  = "0123456789"
	letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
