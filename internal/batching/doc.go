// Package batching checks a batch before anything is written and plans its dry run: the
// decisions batch creation takes on what the database holds. The store reads and writes,
// rules decide, and this package puts them together, in one transaction, for the CLI and
// for scheduled runs alike.
package batching
