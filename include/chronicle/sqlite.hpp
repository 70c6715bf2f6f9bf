#pragma once
/// @file
/// @brief The `chronicle::sqlite` component in one include: the SQLite event store, its snapshots,
/// checkpoints and read models.
#include <chronicle/sqlite/checkpoint_store.hpp>
#include <chronicle/sqlite/options.hpp>
#include <chronicle/sqlite/read_model.hpp>
#include <chronicle/sqlite/snapshots.hpp>
#include <chronicle/sqlite/store.hpp>
