#pragma once
/// @file
/// @brief Everything chronicle offers, in one include.
#include <chronicle/aggregate.hpp>
#include <chronicle/decision.hpp>
#include <chronicle/envelope.hpp>
#include <chronicle/error.hpp>
#include <chronicle/event.hpp>
#include <chronicle/event_store.hpp>
#include <chronicle/expected_version.hpp>
#include <chronicle/id_generator.hpp>
#include <chronicle/memory_snapshot_store.hpp>
#include <chronicle/memory_store.hpp>
#include <chronicle/policy.hpp>
#include <chronicle/repository.hpp>
#include <chronicle/snapshot_store.hpp>
#include <chronicle/result.hpp>
#include <chronicle/version.hpp>
