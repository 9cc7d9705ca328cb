// Package analysis is citebot's one place for what a piece of text is: its
// script and language, its folded form and the terms every scorer indexes.
//
// Chinese, Japanese and Korean runs are folded (Traditional to Simplified,
// full width to half width) and split into characters and character pairs,
// the way Lucene's CJK analyzer works without a dictionary. Words of
// alphabetic scripts are lower-cased, stripped of stop words and stemmed
// with the Snowball stemmer of their language. The choice is made per text,
// per run of script, so a mixed document or a mixed question works.
package analysis
