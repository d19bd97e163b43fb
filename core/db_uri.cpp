// stub: to be written
#include "core/db_uri.h"
