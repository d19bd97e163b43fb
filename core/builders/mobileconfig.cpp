// stub: to be written
#include "core/builders/mobileconfig.h"
