# man/: mdoc pages; tests/man-lint.sh lints every one of them.
dist_man_MANS += man/outpost.7
