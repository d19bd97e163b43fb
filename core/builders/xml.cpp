// stub: to be written
#include "core/builders/xml.h"
