#pragma once
// One series of a metric family remembered for the next lookup. Consecutive requests nearly always
// land in the same series (same route, backend, status...), so comparing the labels with the last
// series' key spares the tree search (about 300 instructions per family and request).
#include <utility>

namespace sluice::telemetry {

template <class Map>
class LastSeries {
 public:
  LastSeries() = default;
  // A copy starts empty: an iterator into another shard's map means nothing here.
  LastSeries(const LastSeries&) {}
  LastSeries& operator=(const LastSeries&) {
    valid_ = false;
    return *this;
  }

  // The value of the series `key` (a view of the key's shape), created if missing. The map must
  // never erase a series while this remembers it (metric maps only grow).
  template <class View>
  typename Map::mapped_type& Get(Map& series, const View& key) {
    if (!valid_ || !(it_->first == key)) {
      it_ = series.find(key);
      if (it_ == series.end())
        it_ = series.emplace(typename Map::key_type(key), typename Map::mapped_type{}).first;
      valid_ = true;
    }
    return it_->second;
  }

 private:
  typename Map::iterator it_{};
  bool valid_ = false;
};

}  // namespace sluice::telemetry
