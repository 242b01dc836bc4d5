# Debian packaging (debian/): make check holds its version and symbols file
# to the tree (Tests/deb-files-check.sh).
CHECK_SCRIPTS += Tests/deb-files-check.sh
