#pragma once
/// @file
/// @brief The `chronicle::json` component in one include: JSON codecs by reflection, events by their
/// stable names with upcasting, JSON Lines export and import, JSON snapshots.
#include <chronicle/json/codec.hpp>
#include <chronicle/json/event_codec.hpp>
#include <chronicle/json/lines.hpp>
#include <chronicle/json/snapshot_store.hpp>
