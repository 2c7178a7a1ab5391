// Cycling protocols: constant current (C-rate, mA/g, mA/cm2, A), constant voltage holds,
// constant power, rests, temperature changes, repeat blocks; termination by voltage,
// current, time or capacity. Steps come as mappings or as PyBaMM-style strings
// ("Charge at C/50 until 4.3 V", "Hold at 4.3 V for 10 hours"). Potentials are the cathode
// vs Li/Li+ unless they say `cell` ("until 3.68 V cell", `reference: cell`): then the cell
// voltage the cycler reads, cathode vs the counter electrode's terminal. A follow step drives
// the cell along a recorded profile ("Follow potential from run.h5").
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "core/config.hpp"
#include "params/check.hpp"

namespace ssbsim {

// A current as written by the user, resolved against a cell later.
struct CurrentSpec {
    enum class Unit { c_rate, specific, density, absolute };
    Unit unit = Unit::c_rate;
    double value = 0.0;  // 1/h, A/kg, A/m2 or A (magnitude)
    // Current density [A/m2] for a cell with this CAM loading [kg/m2], area [m2] and
    // C-rate basis [C/kg].
    double density_for(double loading, double area, double c_basis) const;
    std::string text;
};

// What a potential refers to: the cathode vs Li/Li+ (MODEL.md section 1), or the cell voltage
// (cathode minus the counter electrode's terminal, as the model's cell_voltage defines it).
enum class Reference { li, cell };
const char* to_string(Reference r);

struct Limit {
    enum class Kind { voltage, current, capacity };
    Kind kind = Kind::voltage;
    Reference reference = Reference::li;  // Kind::voltage
    double value = 0.0;         // V; |current| spec; capacity [C/kg CAM] or [C] absolute
    CurrentSpec current;        // for Kind::current
    bool capacity_absolute = false;
    std::string text;
};

// A recorded profile read once at load (params/profile_file.*): time [s] non-decreasing
// (equal times: a jump, the later row holds from then on) and the values in SI of `unit`.
struct RecordedProfile {
    enum class Unit { voltage, current, current_density, specific_current };  // V, A, A/m2, A/kg
    Unit unit = Unit::voltage;
    Reference reference = Reference::li;  // of a potential: as the file declares it
    bool reference_declared = false;      // the column name or a header said so
    std::vector<double> time, value;
    // Rows where the solver should land (a jump or a corner the linear interpolation would
    // otherwise let a solver step pass over): indices into time.
    std::vector<std::size_t> breaks;
    std::string file, column;  // the file read and the column taken
};

// `Follow potential|current from FILE`: the control reads the profile at the solver's time,
// file time tau = tau_first + offset + (t - t_step_start) / time_scale, linear between rows.
struct FollowSpec {
    enum class Quantity { potential, current };
    Quantity quantity = Quantity::potential;
    std::string file;                 // as written; resolved against the config's directory
    std::string column;               // "" : found by name
    double time_scale = 1.0;          // > 0: 2 runs the profile half as fast
    double offset = 0.0;              // [s] of file time skipped at the start, >= 0
    Reference reference = Reference::li;
    bool reference_given = false;     // written in the step (else the file's, else li)
    std::shared_ptr<const RecordedProfile> profile;  // shared by repeated copies of the step
};

// An impedance sweep (Kind::eis): the small-signal impedance at the present state, from
// f_max down to f_min; it takes no simulated time.
struct EisSpec {
    double f_max = 0.0, f_min = 0.0;  // [Hz]
    int points_per_decade = 10;
    double amplitude = 0.005;         // potentiostatic [V], galvanostatic [A/m2]; recorded only:
                                      // the spectrum is the linear (small-amplitude) limit
    std::string amplitude_text = "5 mV";
    bool galvanostatic = false;       // else potentiostatic
    int frequency_count() const;      // points of the sweep, both ends included
};

// The most frequencies one EIS step may list.
inline constexpr int kMaxEisFrequencies = 10000;

struct Step {
    enum class Kind { current, voltage, power, rest, temperature, follow, eis };
    Kind kind = Kind::rest;
    int direction = 0;          // +1 charge, -1 discharge, 0 otherwise (sign of the current)
    CurrentSpec current;        // Kind::current
    double voltage = 0.0;       // Kind::voltage [V in `reference`]; the start of a ramp
    Reference reference = Reference::li;  // Kind::voltage (hold, ramp)
    bool ramp = false;          // Kind::voltage: linear from `voltage` to `ramp_end` over `duration`
    double ramp_end = 0.0;      // [V]
    double power = 0.0;         // Kind::power, magnitude [W]
    double temperature = 0.0;   // Kind::temperature [K]
    FollowSpec follow;          // Kind::follow
    EisSpec eis;                // Kind::eis
    double duration = 0.0;      // [s], 0: until a limit (a follow step: the profile's length)
    double period = 0.0;        // [s] sampling period of this step, 0: output.sample_interval
    std::vector<Limit> limits;
    std::string label;          // the step as the user wrote it (or a generated description)
    int line = 0;
    std::string source;

    // The values the parser checks, for a step built in code: finite durations >= 0, a
    // current or power > 0, finite potentials (a ramp's ends different), a temperature in
    // range, limits > 0. Keys as in a step mapping (duration, charge, hold, until, ...).
    void validate(const FieldError& fail) const;
};

// The expanded step sequence of a protocol, as a std::vector<Step> reads. A repeat block's
// steps are stored once: the sequence holds an index [4 bytes] per expanded step into the
// distinct steps (~0.5 kB each with their strings), so a 1500-cycle protocol and every copy
// of its SimulationConfig cost kilobytes, not megabytes, and memory stays flat in the run's
// length. Writing through a non-const accessor first gives that position its own copy
// (so it behaves as a vector of values); the distinct steps sit in a deque, so references
// to other positions stay valid.
class StepList {
public:
    template <class List, class Ref>
    class Iterator {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = Step;
        using difference_type = std::ptrdiff_t;
        using pointer = std::remove_reference_t<Ref>*;
        using reference = Ref;
        Iterator() = default;
        Iterator(List* list, std::size_t i) : list_(list), i_(i) {}
        Ref operator*() const { return (*list_)[i_]; }
        pointer operator->() const { return &(*list_)[i_]; }
        Ref operator[](difference_type k) const { return (*list_)[i_ + k]; }
        Iterator& operator++() { ++i_; return *this; }
        Iterator operator++(int) { Iterator o = *this; ++i_; return o; }
        Iterator& operator--() { --i_; return *this; }
        Iterator operator--(int) { Iterator o = *this; --i_; return o; }
        Iterator& operator+=(difference_type k) { i_ += k; return *this; }
        Iterator& operator-=(difference_type k) { i_ -= k; return *this; }
        Iterator operator+(difference_type k) const { return Iterator(list_, i_ + k); }
        Iterator operator-(difference_type k) const { return Iterator(list_, i_ - k); }
        difference_type operator-(const Iterator& o) const { return static_cast<difference_type>(i_) - static_cast<difference_type>(o.i_); }
        bool operator==(const Iterator& o) const { return i_ == o.i_; }
        bool operator!=(const Iterator& o) const { return i_ != o.i_; }
        bool operator<(const Iterator& o) const { return i_ < o.i_; }
        std::size_t index() const { return i_; }

    private:
        List* list_ = nullptr;
        std::size_t i_ = 0;
    };
    using iterator = Iterator<StepList, Step&>;
    using const_iterator = Iterator<const StepList, const Step&>;
    using value_type = Step;

    StepList() = default;
    StepList(std::vector<Step> steps);  // NOLINT: implicit, as code builds protocols from vectors

    std::size_t size() const { return order_.size(); }
    bool empty() const { return order_.empty(); }
    const Step& operator[](std::size_t i) const { return distinct_[order_[i]]; }
    Step& operator[](std::size_t i);  // a private copy for position i first, when shared
    const Step& front() const { return (*this)[0]; }
    const Step& back() const { return (*this)[size() - 1]; }
    Step& front() { return (*this)[0]; }
    Step& back() { return (*this)[size() - 1]; }
    const_iterator begin() const { return const_iterator(this, 0); }
    const_iterator end() const { return const_iterator(this, size()); }
    iterator begin() { return iterator(this, 0); }
    iterator end() { return iterator(this, size()); }

    void push_back(Step s);
    void clear();
    iterator erase(const_iterator pos);
    iterator erase(iterator pos) { return erase(const_iterator(this, pos.index())); }
    // Appends `count` repetitions of `block`, whose distinct steps are stored once.
    void append_repeated(const StepList& block, std::size_t count);
    // f(Step&) on each distinct step once: a change that is the same at every position
    // (a source file, say) without copying the shared steps. A read through a non-const
    // accessor or iterator copies a shared step: read through a const StepList&.
    template <class F>
    void for_each_distinct(F&& f) {
        for (Step& s : distinct_) f(s);
    }
    // Distinct steps stored (for tests of the sharing).
    std::size_t distinct() const { return distinct_.size(); }

private:
    std::deque<Step> distinct_;
    std::vector<std::uint32_t> uses_;   // positions that read each distinct step
    std::vector<std::uint32_t> order_;  // position -> distinct step
};

struct Protocol {
    double c_rate_basis = 0.0;  // [C/kg CAM], 0: the CAM's theoretical capacity
    StepList steps;             // repeat blocks expanded (their steps shared)
    double shoulder_potential = 3.6;  // [V] charging-onset shoulder threshold

    // c_rate_basis >= 0, a finite shoulder_potential, and every step (keys "steps[I].KEY",
    // I from 0, the step's label in the message).
    void validate(const FieldError& fail) const;
};

// The most steps a protocol may expand to (repeat blocks multiply): 5000 cycles of a
// 20-step cycle; each step costs a few hundred bytes before the run starts.
inline constexpr std::size_t kMaxSteps = 100000;

Protocol parse_protocol(const ConfigNode& protocol);
// Parses one PyBaMM-style step string; throws std::invalid_argument on bad input. A follow
// step comes back without its profile (parse_protocol reads the file).
Step parse_step_string(const std::string& text);
// with_steps false: an empty steps sequence (emit_config_text streams them).
YAML::Node emit_protocol(const Protocol& p, bool with_steps = true);
// One step as emit_protocol writes it.
YAML::Node emit_step(const Step& s);
std::string describe(const Step& s);

}  // namespace ssbsim
