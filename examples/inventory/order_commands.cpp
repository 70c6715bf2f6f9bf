// The order aggregate's commands, compiled once for the program: touching the order domain rebuilds
// this file, and the files that send orders only call these.
#include "inventory.hpp"

CHRONICLE_INSTANTIATE_COMMAND(shop::order_repository, shop::PlaceOrder);
CHRONICLE_INSTANTIATE_COMMAND(shop::order_repository, shop::ConfirmOrder);
CHRONICLE_INSTANTIATE_COMMAND(shop::order_repository, shop::CancelOrder);
