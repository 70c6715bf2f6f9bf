#pragma once
/// @file
/// @brief The library version, for feature checks.
#define CHRONICLE_VERSION_MAJOR 0
#define CHRONICLE_VERSION_MINOR 1
#define CHRONICLE_VERSION_PATCH 0
