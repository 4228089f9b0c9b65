#include "routing/key_pool.h"

#include <algorithm>

namespace sluice::routing {

namespace {

int64_t Nanos(KeyPool::Time t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

KeyPool::Time FromNanos(int64_t ns) { return KeyPool::Time(std::chrono::nanoseconds(ns)); }

}  // namespace

KeyPool::KeyPool(const config::Provider& provider)
    : provider_(provider), slots_(std::make_unique<Slot[]>(provider.api_keys.size())) {}

KeyPool::State KeyPool::state(size_t i, Time now) const {
  int64_t t = Nanos(now);
  if (slots_[i].dead_until.load(std::memory_order_relaxed) > t) return State::kDead;
  if (slots_[i].rest_until.load(std::memory_order_relaxed) > t) return State::kResting;
  return State::kUp;
}

KeyPool::Time KeyPool::until(size_t i) const {
  return FromNanos(std::max(slots_[i].dead_until.load(std::memory_order_relaxed),
                            slots_[i].rest_until.load(std::memory_order_relaxed)));
}

bool KeyPool::AnyUsable(Time now) const {
  for (size_t i = 0; i < size(); ++i)
    if (state(i, now) == State::kUp) return true;
  return false;
}

std::optional<size_t> KeyPool::Pick(Time now, std::mt19937_64& rng, State* blocked,
                                    Time* retry_at) const {
  uint64_t total = 0;
  for (size_t i = 0; i < size(); ++i)
    if (state(i, now) == State::kUp) total += key(i).weight;
  if (total > 0) {
    uint64_t r = std::uniform_int_distribution<uint64_t>(0, total - 1)(rng);
    for (size_t i = 0; i < size(); ++i) {
      if (state(i, now) != State::kUp) continue;
      if (r < key(i).weight) return i;
      r -= key(i).weight;
    }
  }
  State why = State::kDead;
  Time first = Time::max();
  for (size_t i = 0; i < size(); ++i) {
    if (state(i, now) == State::kResting) why = State::kResting;
    first = std::min(first, until(i));
  }
  if (blocked) *blocked = why;
  if (retry_at) *retry_at = first;
  return std::nullopt;
}

void KeyPool::OnSuccess(size_t i) const {
  slots_[i].refusals.store(0, std::memory_order_relaxed);
}

void KeyPool::OnAuthFailure(size_t i, Time now) const {
  uint32_t refusals = slots_[i].refusals.fetch_add(1, std::memory_order_relaxed);
  auto dead_for = provider_.key_dead_time * (1 << std::min<uint32_t>(refusals, 4));
  slots_[i].dead_until.store(Nanos(now + dead_for), std::memory_order_relaxed);
}

void KeyPool::OnRateLimited(size_t i, Time now,
                            std::optional<std::chrono::milliseconds> retry_after) const {
  auto rest = retry_after.value_or(provider_.key_rest_time);
  slots_[i].rest_until.store(Nanos(now + rest), std::memory_order_relaxed);
}

std::string_view KeyStateName(KeyPool::State state) {
  switch (state) {
    case KeyPool::State::kUp:
      return "up";
    case KeyPool::State::kDead:
      return "dead";
    case KeyPool::State::kResting:
      return "resting";
  }
  return "up";
}

}  // namespace sluice::routing
