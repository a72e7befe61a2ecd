/* version.h: the package version, for every tool's --version. */
#ifndef OUTPOST_VERSION_H
#define OUTPOST_VERSION_H

/* "outpost 0.1.0" style string. */
const char *op_version(void);

#endif
