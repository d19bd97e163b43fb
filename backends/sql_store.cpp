// stub: to be written
#include "backends/sql_store.h"
