// stub: to be written
#include "core/http.h"
