#include "config.h"
#include "version.h"

const char *op_version(void)
{
	return PACKAGE_NAME " " PACKAGE_VERSION;
}
