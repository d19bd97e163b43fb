// Every command of automx2-fcgi, in the order --help lists them. A new command is one
// entry in command_table.cpp and a file of its own in app/commands/.
#pragma once

#include <span>

#include "app/command_line.h"

namespace automx2 {

std::span<const Command> command_table();

}  // namespace automx2
