// stub: to be written
#include "core/builders/autodiscover.h"
