#pragma once
/// @file
/// @brief The `chronicle::postgres` component in one include: the PostgreSQL event store, its
/// snapshots, checkpoints and read models.
#include <chronicle/postgres/checkpoint_store.hpp>
#include <chronicle/postgres/options.hpp>
#include <chronicle/postgres/read_model.hpp>
#include <chronicle/postgres/snapshots.hpp>
#include <chronicle/postgres/store.hpp>
