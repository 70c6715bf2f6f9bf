// The inventory aggregate's commands, compiled once for the program.
#include "inventory.hpp"

CHRONICLE_INSTANTIATE_COMMAND(shop::inventory_repository, shop::AddStock);
CHRONICLE_INSTANTIATE_COMMAND(shop::inventory_repository, shop::ReserveStock);
