// stub: to be written
#include "core/builders/autoconfig.h"
