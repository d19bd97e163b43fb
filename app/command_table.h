// Every command of automx2-fcgi, in the order --help lists them. A new command is one
// entry in command_table.cpp and a file of its own in app/commands/. An option name
// means the same (a flag, or one taking a value) in every command that declares it.
#pragma once

#include <span>

#include "app/command_line.h"

namespace automx2 {

std::span<const Command> command_table();

}  // namespace automx2
