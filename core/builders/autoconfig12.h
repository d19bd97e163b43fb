// The parts of Autoconfig 1.2 (draft-ietf-mailmaint-autoconfig-06, SPEC §16) beyond
// config-v1.1: <oAuth2>, incoming servers that are URLs (activesync, ews, jmap), and
// <calendar>/<addressbook> from the DAV rows.
#pragma once

#include <libxml/tree.h>

#include "core/settings.h"

namespace automx2 {

// Appends to `provider` (emailProvider) and `client_config` (the root) what the settings
// hold of the above; sets version="1.2" on the root when it wrote anything.
void add_autoconfig_12(xmlNode* client_config, xmlNode* provider, const DomainSettings& settings);

}  // namespace automx2
