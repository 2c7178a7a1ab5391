#include "params/protocol.hpp"

namespace ssbsim {

StepList::StepList(std::vector<Step> steps) {
    for (Step& s : steps) push_back(std::move(s));
}

Step& StepList::operator[](std::size_t i) {
    const std::uint32_t d = order_[i];
    if (uses_[d] == 1) return distinct_[d];
    // Shared with other positions (a repeat block): this one gets its own copy.
    --uses_[d];
    distinct_.push_back(distinct_[d]);
    uses_.push_back(1);
    order_[i] = static_cast<std::uint32_t>(distinct_.size() - 1);
    return distinct_.back();
}

void StepList::push_back(Step s) {
    distinct_.push_back(std::move(s));
    uses_.push_back(1);
    order_.push_back(static_cast<std::uint32_t>(distinct_.size() - 1));
}

void StepList::clear() {
    distinct_.clear();
    uses_.clear();
    order_.clear();
}

StepList::iterator StepList::erase(const_iterator pos) {
    const std::size_t i = pos.index();
    --uses_[order_[i]];  // a distinct step no position reads stays stored until clear()
    order_.erase(order_.begin() + static_cast<std::ptrdiff_t>(i));
    return iterator(this, i);
}

void StepList::append_repeated(const StepList& block, std::size_t count) {
    if (count == 0 || block.empty()) return;
    // parse_steps bounds the expansion at kMaxSteps, far inside the 32-bit indices.
    const auto base = static_cast<std::uint32_t>(distinct_.size());
    distinct_.insert(distinct_.end(), block.distinct_.begin(), block.distinct_.end());
    for (std::uint32_t u : block.uses_) uses_.push_back(static_cast<std::uint32_t>(u * count));
    order_.reserve(order_.size() + count * block.size());
    for (std::size_t k = 0; k < count; ++k)
        for (std::uint32_t d : block.order_) order_.push_back(base + d);
}

}  // namespace ssbsim
