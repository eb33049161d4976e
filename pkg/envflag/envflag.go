// Package envflag lets every flag of a program also come from an
// environment variable, because a container is configured through its
// environment (a Kubernetes env list, podman run -e) as often as through
// its command line.
//
// The variable for a flag is a prefix, an underscore, and the flag's name in
// capitals with dashes as underscores: with prefix KVNODE, -request-timeout
// reads KVNODE_REQUEST_TIMEOUT. A flag given on the command line wins over
// its variable, so an operator can override a manifest by hand.
//
//	flag.Parse()
//	if err := envflag.Apply(flag.CommandLine, "KVNODE", os.LookupEnv); err != nil {
//		fmt.Fprintln(os.Stderr, err)
//		os.Exit(2)
//	}
package envflag

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// Name is the variable that stands in for flag name under prefix.
func Name(prefix, name string) string {
	return prefix + "_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Apply sets every flag of fs that the command line left unset from its
// variable, as found by lookup (os.LookupEnv in a program, a map in tests).
// Call it after fs.Parse. A value the flag rejects is an error naming the
// variable, its value and the flag, so a typo in a manifest reads as
// plainly as one on the command line; every bad variable is reported, not
// just the first.
func Apply(fs *flag.FlagSet, prefix string, lookup func(string) (string, bool)) error {
	given := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		name := Name(prefix, f.Name)
		v, ok := lookup(name)
		if !ok {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("environment variable %s=%q is not a valid -%s: %w", name, v, f.Name, err))
		}
	})
	return errors.Join(errs...)
}

// Usage is a paragraph for a program's -h output explaining the variables,
// with two of its flags as examples.
func Usage(prefix, example1, example2 string) string {
	return fmt.Sprintf("\nEvery flag can also be set by an environment variable: %s for -%s,\n"+
		"%s for -%s, and so on (%s_ and the flag's name in capitals, dashes as underscores).\n"+
		"A flag on the command line wins over its variable.\n",
		Name(prefix, example1), example1, Name(prefix, example2), example2, prefix)
}
