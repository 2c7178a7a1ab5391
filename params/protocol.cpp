#include "params/protocol.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <initializer_list>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/units.hpp"
#include "core/files.hpp"
#include "params/profile_file.hpp"
#include "params/quantity_text.hpp"

namespace ssbsim {

using namespace units;

namespace {

// The longest step string read.
constexpr std::size_t kMaxStepText = 1000;

std::string trim(const std::string& s) { return trim_chars(s, " \t"); }

// The step grammar's scanner, in place of std::regex (whose compiled patterns and matching
// were ~1.9 M instructions and ~90 page faults of every process start). Each member mirrors
// one element of an ECMAScript pattern: it tries the element's ways to match at i in that
// grammar's order of preference (greedy: longest first, lazy: shortest first, alternatives
// left to right) and calls the continuation k with the end of each, stopping at the first
// for which k returns true. The patterns the parsers below spell this way therefore accept
// the same texts with the same groups as the regexes they replace (quoted above each).
// Letters match case-insensitively (ASCII, as std::regex::icase in the "C" locale it used:
// std::locale(), which nothing sets; not <cctype>'s, which an embedding Python sets to the
// user's locale).
class Scan {
public:
    explicit Scan(const std::string& s) : s_(s), n_(s.size()) {
        for (std::size_t i = 0; i < n_; ++i)
            if (is_break(i)) last_break_ = i;
    }
    std::size_t size() const { return n_; }
    std::string group(std::size_t a, std::size_t b) const { return s_.substr(a, b - a); }
    // \s: the six characters of the "C" locale.
    bool space(std::size_t i) const {
        if (i >= n_) return false;
        const char c = s_[i];
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
    }
    bool digit(std::size_t i) const { return i < n_ && s_[i] >= '0' && s_[i] <= '9'; }
    // \w, for \b.
    bool word(std::size_t i) const { return digit(i) || (i < n_ && (letter(s_[i]) || s_[i] == '_')); }
    bool is(std::size_t i, char c) const { return i < n_ && s_[i] == c; }
    // A literal (lower case) at i, its end in `end`.
    bool lit(std::size_t i, const char* w, std::size_t& end) const {
        for (; *w; ++w, ++i)
            if (i >= n_ || (letter(s_[i]) ? s_[i] | 0x20 : s_[i]) != *w) return false;
        end = i;
        return true;
    }
    // \s* (min 0) or \s+ (min 1).
    template <class K>
    bool spaces(std::size_t i, std::size_t min, K&& k) const {
        std::size_t e = i;
        while (space(e)) ++e;
        for (; e >= i + min; --e) {
            if (k(e)) return true;
            if (e == i) break;
        }
        return false;
    }
    // .*? (min 0) or .+? (min 1): '.' is any character but a line break.
    template <class K>
    bool lazy(std::size_t i, std::size_t min, K&& k) const {
        std::size_t e = i;
        for (; e < i + min; ++e)
            if (e >= n_ || is_break(e)) return false;
        for (;; ++e) {
            if (k(e)) return true;
            if (e >= n_ || is_break(e)) return false;
        }
    }
    // (.+)$: the rest of the text, not empty and without a line break.
    bool rest(std::size_t i) const { return i < n_ && (last_break_ == npos || last_break_ < i); }
    // \s+ then a literal word, its end in `end` (each such pair ends one way only: a word
    // starts with no space).
    bool spaced_lit(std::size_t i, const char* w, std::size_t& end) const {
        return spaces(i, 1, [&](std::size_t a) { return lit(a, w, end); });
    }

private:
    static constexpr std::size_t npos = std::string::npos;
    static bool letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
    bool is_break(std::size_t i) const { return s_[i] == '\n' || s_[i] == '\r'; }
    const std::string& s_;
    std::size_t n_;
    std::size_t last_break_ = npos;
};

// A capture: [first, second) of the text, or not matched.
struct Group {
    std::size_t first = 0, second = 0;
    bool matched = false;
    void set(std::size_t a, std::size_t b) { first = a, second = b, matched = true; }
    std::string in(const Scan& t) const { return matched ? t.group(first, second) : std::string(); }
};

// (\d)\s*(w1|w2|...)\b replaced by "$1 unit" throughout s.
std::string replace_unit_words(const std::string& s, std::initializer_list<const char*> words, const char* unit) {
    const Scan t(s);
    std::string out;
    std::size_t copied = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (!t.digit(i)) continue;
        std::size_t j = i + 1;
        while (t.space(j)) ++j;
        for (const char* w : words) {
            std::size_t e = 0;
            if (t.lit(j, w, e) && !t.word(e)) {
                out.append(s, copied, i - copied);
                out += s[i];
                out += ' ';
                out += unit;
                copied = e;
                i = e - 1;
                break;
            }
        }
    }
    return out.append(s, copied, std::string::npos);
}

// "10 hours" -> "10 h"; words for time units as PyBaMM writes them: the regexes
// (\d)\s*(hours|hour|hrs|hr)\b, ...(minutes|minute|mins)\b, ...(seconds|second|secs|sec)\b
// and ...(days|day)\b, icase, each replacing all its matches in what the one before left.
std::string normalise_time_words(const std::string& s) {
    std::string out = replace_unit_words(s, {"hours", "hour", "hrs", "hr"}, "h");
    out = replace_unit_words(out, {"minutes", "minute", "mins"}, "min");
    out = replace_unit_words(out, {"seconds", "second", "secs", "sec"}, "s");
    return replace_unit_words(out, {"days", "day"}, "day");
}

double parse_duration(const std::string& text) {
    double d = parse_as(normalise_time_words(trim(text)), dim::time);
    if (!(d > 0)) throw std::invalid_argument("a duration must be positive: '" + text + "'");
    return d;
}

// A number from a scanned group; std::stod would throw a bare "stod" on 1e999.
double finite_number(const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !std::isfinite(v))
        throw std::invalid_argument("'" + text + "' is not a finite number");
    return v;
}

// ^\s*(\d*\.?\d*(?:(?:e|E)(?:-|\+)?\d+)?)\s*C\s*(?:/\s*(\d*\.?\d+))?\s*$ (case-sensitive): a
// C-rate, "2C", "C/50", "0.5 C / 2", its numerator and denominator (each may be empty).
// Each group is the whole run of the characters it may hold, as what follows it (a space,
// "C", the end) cannot be one of them; the run must then be of the group's form.
bool c_rate(const std::string& text, std::string& num, std::string& den) {
    const Scan t(text);
    const std::size_t n = t.size();
    std::size_t i = 0;
    while (t.space(i)) ++i;
    // \d*\.?\d*(?:[eE][-+]?\d+)?
    const std::size_t a = i;
    while (t.digit(i)) ++i;
    if (t.is(i, '.')) ++i;
    while (t.digit(i)) ++i;
    if (t.is(i, 'e') || t.is(i, 'E')) {
        ++i;
        if (t.is(i, '-') || t.is(i, '+')) ++i;
        if (!t.digit(i)) return false;
        while (t.digit(i)) ++i;
    }
    num = t.group(a, i);
    while (t.space(i)) ++i;
    if (!t.is(i, 'C')) return false;
    ++i;
    while (t.space(i)) ++i;
    den.clear();
    if (t.is(i, '/')) {
        ++i;
        while (t.space(i)) ++i;
        // \d*\.?\d+: digits and at most one point, ending with a digit.
        const std::size_t b = i;
        while (t.digit(i)) ++i;
        if (t.is(i, '.')) ++i;
        while (t.digit(i)) ++i;
        if (i == b || !t.digit(i - 1)) return false;
        den = t.group(b, i);
        while (t.space(i)) ++i;
    }
    return i == n;
}

CurrentSpec parse_current(const std::string& raw) {
    CurrentSpec c;
    c.text = trim(raw);
    std::string num_text, den_text;
    if (c_rate(c.text, num_text, den_text) && (!num_text.empty() || !den_text.empty() || c.text == "C")) {
        double num = num_text.size() ? finite_number(num_text) : 1.0;
        double den = den_text.size() ? finite_number(den_text) : 1.0;
        c.unit = CurrentSpec::Unit::c_rate;
        c.value = num / den;
    } else {
        Quantity q = parse(c.text);
        if (q.dimension == dim::specific_current) c.unit = CurrentSpec::Unit::specific;
        else if (q.dimension == dim::current_density) c.unit = CurrentSpec::Unit::density;
        else if (q.dimension == dim::current) c.unit = CurrentSpec::Unit::absolute;
        else
            throw std::invalid_argument("'" + c.text +
                                        "' is not a current; expected a C-rate (\"C/50\", \"2C\"), "
                                        "mA/g, mA/cm2 or mA");
        c.value = q.value;
    }
    if (!(c.value > 0) || !std::isfinite(c.value))
        throw std::invalid_argument("a current must be positive: '" + c.text + "' (use charge/discharge for the sign)");
    return c;
}

// (?:cell|vs\s*Li/Li\+|vs\s*Li) at i, icase.
template <class K>
bool reference_word(const Scan& s, std::size_t i, K&& k) {
    std::size_t e = 0;
    if (s.lit(i, "cell", e) && k(e)) return true;
    if (!s.lit(i, "vs", e)) return false;
    const std::size_t vs = e;
    if (s.spaces(vs, 0, [&](std::size_t a) { return s.lit(a, "li/li+", e) && k(e); })) return true;
    return s.spaces(vs, 0, [&](std::size_t a) { return s.lit(a, "li", e) && k(e); });
}

// .+?\s*V(?:\s*(?:cell|vs\s*Li/Li\+|vs\s*Li))? at i, icase: a potential with its reference.
template <class K>
bool potential_text(const Scan& s, std::size_t i, K&& k) {
    return s.lazy(i, 1, [&](std::size_t a) {
        return s.spaces(a, 0, [&](std::size_t b) {
            std::size_t v = 0;
            if (!s.lit(b, "v", v)) return false;
            return s.spaces(v, 0, [&](std::size_t c) { return reference_word(s, c, k); }) || k(v);
        });
    });
}

// A potential's reference suffix: "3.68 V cell" (the cell voltage), "4.3 V vs Li/Li+" or
// "4.3 V vs Li" (the default). Returns the text without it; `said` tells whether one was there.
std::string strip_reference(const std::string& raw, Reference& r, bool* said = nullptr) {
    std::string t = trim(raw);
    if (said) *said = false;
    // ^(.*?V)\s*(cell|vs\s*Li/Li\+|vs\s*Li)$, icase.
    const Scan s(t);
    const std::size_t n = s.size();
    Group v, ref;
    const bool match = s.lazy(0, 0, [&](std::size_t a) {
        std::size_t b = 0;
        return s.lit(a, "v", b) && s.spaces(b, 0, [&](std::size_t c) {
            if (!reference_word(s, c, [&](std::size_t e) { return e == n; })) return false;
            v.set(0, b);
            ref.set(c, n);
            return true;
        });
    });
    if (!match) return t;
    r = lower(ref.in(s)) == "cell" ? Reference::cell : Reference::li;
    if (said) *said = true;
    return trim(v.in(s));
}

Limit parse_limit(const std::string& raw) {
    Limit l;
    l.text = trim(raw);
    bool said = false;
    const std::string bare = strip_reference(l.text, l.reference, &said);
    if (said) {
        l.kind = Limit::Kind::voltage;
        l.value = parse_as(bare, dim::voltage);
        if (!(l.value > 0)) throw std::invalid_argument("a limit must be positive: '" + l.text + "'");
        return l;
    }
    // Current limits may be C-rates.
    try {
        l.current = parse_current(l.text);
        l.kind = Limit::Kind::current;
        return l;
    } catch (const std::invalid_argument&) {
    }
    Quantity q = parse(l.text);
    if (q.dimension == dim::voltage) {
        l.kind = Limit::Kind::voltage;
        l.value = q.value;
    } else if (q.dimension == dim::specific_charge) {
        l.kind = Limit::Kind::capacity;
        l.value = q.value;
    } else if (q.dimension == dim::charge) {
        l.kind = Limit::Kind::capacity;
        l.capacity_absolute = true;
        l.value = q.value;
    } else {
        throw std::invalid_argument("'" + l.text +
                                    "' is not a limit; expected a potential (\"4.3 V\"), a current "
                                    "(\"C/100\", \"0.01 mA\") or a capacity (\"200 mAh/g\")");
    }
    if (!(l.value > 0)) throw std::invalid_argument("a limit must be positive: '" + l.text + "'");
    return l;
}

// Splits "A or until B or C" style limit lists.
// The separators are the leftmost-first matches of \s+or\s+(?:until\s+)?, icase.
std::vector<std::string> split_or(const std::string& s) {
    std::vector<std::string> out;
    const Scan t(s);
    auto piece = [&](std::size_t a, std::size_t b) {
        const std::string p = trim(t.group(a, b));
        if (!p.empty()) out.push_back(p);
    };
    std::size_t from = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        std::size_t e = 0;
        if (!t.spaced_lit(i, "or", e)) continue;
        const std::size_t after_or = e;
        if (!t.space(after_or)) continue;
        while (t.space(e)) ++e;
        std::size_t u = 0;
        if (t.lit(e, "until", u) && t.space(u)) {
            e = u;
            while (t.space(e)) ++e;
        }
        piece(from, i);
        from = e;
        i = e - 1;
    }
    piece(from, t.size());
    return out;
}

// The drive of a charge or discharge step: a power ("2 mW") or a current ("C/50", "5.5 mA/g").
void parse_drive(const std::string& what, Step& s) {
    Quantity q;
    bool is_power = false;
    try {
        q = parse(what);
        is_power = q.dimension == dim::power;
    } catch (const std::invalid_argument&) {
    }
    if (is_power) {
        s.kind = Step::Kind::power;
        s.power = q.value;
        if (!(s.power > 0))
            throw std::invalid_argument("a power must be positive (charge or discharge gives the direction)");
    } else {
        s.kind = Step::Kind::current;
        s.current = parse_current(what);
    }
}

void check_step(const Step& s) {
    bool has_limit = !s.limits.empty();
    switch (s.kind) {
        case Step::Kind::current:
        case Step::Kind::power:
            if (!has_limit && s.duration <= 0)
                throw std::invalid_argument("a current or power step needs a duration or an 'until' limit");
            for (const auto& l : s.limits)
                if (l.kind == Limit::Kind::current)
                    throw std::invalid_argument("a current limit ('" + l.text + "') only ends a voltage hold");
            break;
        case Step::Kind::voltage:
            if (!has_limit && s.duration <= 0)
                throw std::invalid_argument("a hold needs a duration or an 'until' current");
            for (const auto& l : s.limits)
                if (l.kind == Limit::Kind::voltage)
                    throw std::invalid_argument("a voltage limit ('" + l.text + "') cannot end a voltage hold");
            break;
        case Step::Kind::rest:
            if (s.duration <= 0 && !has_limit) throw std::invalid_argument("a rest needs a duration");
            break;
        case Step::Kind::follow:  // the profile gives the duration; limits are safety cut-offs
            if (s.follow.quantity == FollowSpec::Quantity::current)
                for (const auto& l : s.limits)
                    if (l.kind == Limit::Kind::current)
                        throw std::invalid_argument("a current limit ('" + l.text + "') cannot end a current follow");
            if (!(s.follow.time_scale > 0) || !std::isfinite(s.follow.time_scale))
                throw std::invalid_argument("time_scale must be a positive finite factor (2: the profile runs half as fast)");
            if (!(s.follow.offset >= 0) || !std::isfinite(s.follow.offset))
                throw std::invalid_argument("offset must be a duration >= 0 (the file time skipped at the start)");
            break;
        case Step::Kind::temperature:
            if (has_limit || s.duration > 0)
                throw std::invalid_argument("a temperature step is instantaneous: no duration or limit (add a rest)");
            if (!(s.temperature >= kMinTemperature && s.temperature <= kMaxTemperature))
                throw std::invalid_argument(temperature_range_message(s.temperature));
            break;
        case Step::Kind::eis:
            if (has_limit || s.duration > 0)
                throw std::invalid_argument("an EIS step takes no simulated time: no duration or limit (add a rest before it)");
            break;
    }
}

// The expected forms of an EIS step, for every error about one.
constexpr const char* kEisForms =
    "expected \"EIS from 10 kHz to 10 mHz\" (optionally \", 10 points per decade\", \", amplitude 5 mV\", "
    "\", galvanostatic\") or {eis: {from: 10 kHz, to: 10 mHz, points_per_decade: 10, amplitude: 5 mV, "
    "mode: potentiostatic}}";

// A frequency of an EIS step [Hz].
double parse_frequency(const std::string& text) {
    double f = 0;
    try {
        f = parse_as(trim(text), dim::frequency);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("'" + trim(text) + "' is not a frequency (" + e.what() + "); " + kEisForms);
    }
    if (!(f > 0) || !std::isfinite(f))
        throw std::invalid_argument("a frequency must be positive and finite: '" + trim(text) + "'; " + kEisForms);
    return f;
}

// The range and the count of an EIS sweep.
void check_eis(const EisSpec& e) {
    if (!(e.f_max > e.f_min))
        throw std::invalid_argument("an EIS sweep runs from a higher to a lower frequency (got from " +
                                    std::to_string(e.f_max) + " Hz to " + std::to_string(e.f_min) + " Hz); " +
                                    kEisForms);
    if (e.points_per_decade < 1 || e.points_per_decade > 1000)
        throw std::invalid_argument("points per decade must be an integer from 1 to 1000; " + std::string(kEisForms));
    if (e.frequency_count() > kMaxEisFrequencies)
        throw std::invalid_argument("an EIS sweep lists at most " + std::to_string(kMaxEisFrequencies) +
                                    " frequencies; this one has " + std::to_string(e.frequency_count()));
}

// The amplitude of an EIS step: a potential (potentiostatic) or a current density.
void parse_eis_amplitude(const std::string& text, EisSpec& e) {
    e.amplitude_text = trim(text);
    const Quantity q = parse(e.amplitude_text);
    const bool ok = e.galvanostatic ? q.dimension == dim::current_density : q.dimension == dim::voltage;
    if (!ok || !(q.value > 0) || !std::isfinite(q.value))
        throw std::invalid_argument("an EIS amplitude is a positive " +
                                    std::string(e.galvanostatic ? "current density (\"0.1 mA/cm2\")"
                                                                : "potential (\"5 mV\")") +
                                    ": '" + e.amplitude_text + "'");
    e.amplitude = q.value;
}

// ^(\d+)\s*points?\s+per\s+decade$, icase: an EIS step's "10 points per decade", the count.
bool points_per_decade(const std::string& text, std::string& count) {
    const Scan t(text);
    std::size_t i = 0, e = 0;
    while (t.digit(i)) ++i;
    if (i == 0) return false;
    count = t.group(0, i);
    while (t.space(i)) ++i;
    if (!t.lit(i, "point", e)) return false;
    if (t.is(e, 's') || t.is(e, 'S')) ++e;
    return t.spaced_lit(e, "per", e) && t.spaced_lit(e, "decade", e) && e == t.size();
}

// ^amplitude\s+(.+)$, icase: an EIS step's "amplitude 5 mV", the value.
bool amplitude_option(const std::string& text, std::string& value) {
    const Scan t(text);
    std::size_t e = 0;
    if (!t.lit(0, "amplitude", e)) return false;
    return t.spaces(e, 1, [&](std::size_t a) {
        if (!t.rest(a)) return false;
        value = t.group(a, t.size());
        return true;
    });
}

// "EIS from 10 kHz to 10 mHz, 10 points per decade, amplitude 5 mV, galvanostatic"; the
// match of the leading "EIS from A to B" is m, the comma-separated options follow.
void parse_eis_string(const std::string& from, const std::string& rest, Step& s) {
    s.kind = Step::Kind::eis;
    std::vector<std::string> parts;
    std::stringstream ss(rest);
    for (std::string item; std::getline(ss, item, ',');) parts.push_back(trim(item));
    if (parts.empty() || parts[0].empty()) throw std::invalid_argument(std::string("an EIS step needs a range; ") + kEisForms);
    s.eis.f_max = parse_frequency(from);
    s.eis.f_min = parse_frequency(parts[0]);
    std::string amplitude;
    for (std::size_t k = 1; k < parts.size(); ++k) {
        std::string count, amp;
        const std::string w = lower(parts[k]);
        if (points_per_decade(parts[k], count)) s.eis.points_per_decade = static_cast<int>(std::min(1e6, finite_number(count)));
        else if (amplitude_option(parts[k], amp)) amplitude = amp;
        else if (w == "galvanostatic") s.eis.galvanostatic = true;
        else if (w == "potentiostatic") s.eis.galvanostatic = false;
        else throw std::invalid_argument("cannot read '" + parts[k] + "' in an EIS step; " + kEisForms);
    }
    if (s.eis.galvanostatic && amplitude.empty()) amplitude = "0.01 mA/cm2";
    if (!amplitude.empty()) parse_eis_amplitude(amplitude, s.eis);
    check_eis(s.eis);
}

// The groups of a step string's match, as std::smatch gave them: m[k] (empty when not
// matched) and whether group k matched.
struct StepMatch {
    explicit StepMatch(const Scan& scan) : t(scan) {}
    std::string operator[](int k) const { return g[k].in(t); }
    bool matched(int k) const { return g[k].matched; }
    const Scan& t;
    Group g[5];
};

// (?:\s+(?:or\s+)?until\s+(.+))?$ at i: the until limits in `until`.
bool until_tail(const Scan& t, std::size_t i, Group& until) {
    auto limits = [&](std::size_t u) {
        return t.spaces(u, 1, [&](std::size_t b) {
            if (!t.rest(b)) return false;
            until.set(b, t.size());
            return true;
        });
    };
    const bool said = t.spaces(i, 1, [&](std::size_t a) {
        std::size_t e = 0;
        if (t.lit(a, "or", e) && t.spaces(e, 1, [&](std::size_t c) {
                std::size_t u = 0;
                return t.lit(c, "until", u) && limits(u);
            }))
            return true;
        return t.lit(a, "until", e) && limits(e);
    });
    if (said) return true;
    until.matched = false;
    return i == t.size();
}

// (?:\s+for\s+(.+?))?(?:\s+(?:or\s+)?until\s+(.+))?$ at i: the duration and the limits.
bool for_until_tail(const Scan& t, std::size_t i, Group& duration, Group& until) {
    const bool said = t.spaces(i, 1, [&](std::size_t a) {
        std::size_t e = 0;
        return t.lit(a, "for", e) && t.spaces(e, 1, [&](std::size_t b) {
            return t.lazy(b, 1, [&](std::size_t c) {
                duration.set(b, c);
                return until_tail(t, c, until);
            });
        });
    });
    if (said) return true;
    duration.matched = false;
    return until_tail(t, i, until);
}

// ^(.*?)\s*\(\s*(.+?)\s+period\s*\)\s*$, icase: t becomes group 1, `period` is group 2.
bool strip_period(std::string& text, std::string& period) {
    const Scan t(text);
    Group before, inside;
    const bool match = t.lazy(0, 0, [&](std::size_t a) {
        return t.spaces(a, 0, [&](std::size_t b) {
            return t.is(b, '(') && t.spaces(b + 1, 0, [&](std::size_t c) {
                return t.lazy(c, 1, [&](std::size_t d) {
                    std::size_t e = 0;
                    return t.spaced_lit(d, "period", e) && t.spaces(e, 0, [&](std::size_t f) {
                        return t.is(f, ')') && t.spaces(f + 1, 0, [&](std::size_t h) {
                            if (h != t.size()) return false;
                            before.set(0, a);
                            inside.set(c, d);
                            return true;
                        });
                    });
                });
            });
        });
    });
    if (!match) return false;
    period = inside.in(t);
    text = before.in(t);
    return true;
}

// ^eis\s+from\s+(.+?)\s+to\s+(.+)$
bool eis_form(const Scan& t, StepMatch& m) {
    std::size_t e = 0;
    return t.lit(0, "eis", e) && t.spaced_lit(e, "from", e) && t.spaces(e, 1, [&](std::size_t a) {
        return t.lazy(a, 1, [&](std::size_t b) {
            std::size_t c = 0;
            return t.spaced_lit(b, "to", c) && t.spaces(c, 1, [&](std::size_t d) {
                if (!t.rest(d)) return false;
                m.g[1].set(a, b);
                m.g[2].set(d, t.size());
                return true;
            });
        });
    });
}

// ^(charge|discharge)\s+at\s+(.+?)(?:\s+for\s+(.+?))?(?:\s+(?:or\s+)?until\s+(.+))?$
bool charge_form(const Scan& t, StepMatch& m) {
    std::size_t e = 0;
    if (!t.lit(0, "charge", e) && !t.lit(0, "discharge", e)) return false;
    m.g[1].set(0, e);
    return t.spaced_lit(e, "at", e) && t.spaces(e, 1, [&](std::size_t a) {
        return t.lazy(a, 1, [&](std::size_t b) {
            m.g[2].set(a, b);
            return for_until_tail(t, b, m.g[3], m.g[4]);
        });
    });
}

// ^hold\s+at\s+(.+?\s*V(?:\s*(?:cell|vs\s*Li/Li\+|vs\s*Li))?)(?:\s+for\s+(.+?))?(?:\s+(?:or\s+)?until\s+(.+))?$
bool hold_form(const Scan& t, StepMatch& m) {
    std::size_t e = 0;
    return t.lit(0, "hold", e) && t.spaced_lit(e, "at", e) && t.spaces(e, 1, [&](std::size_t a) {
        return potential_text(t, a, [&](std::size_t b) {
            m.g[1].set(a, b);
            return for_until_tail(t, b, m.g[2], m.g[3]);
        });
    });
}

// ^rest\s+for\s+(.+)$ and ^set\s+temperature\s+to\s+(.+)$: keywords, then the rest.
bool keywords_then_rest(const Scan& t, std::initializer_list<const char*> words, StepMatch& m) {
    std::size_t e = 0;
    bool first = true;
    for (const char* w : words) {
        if (!(first ? t.lit(0, w, e) : t.spaced_lit(e, w, e))) return false;
        first = false;
    }
    return t.spaces(e, 1, [&](std::size_t a) {
        if (!t.rest(a)) return false;
        m.g[1].set(a, t.size());
        return true;
    });
}
bool rest_form(const Scan& t, StepMatch& m) { return keywords_then_rest(t, {"rest", "for"}, m); }
bool temperature_form(const Scan& t, StepMatch& m) {
    return keywords_then_rest(t, {"set", "temperature", "to"}, m);
}

// ^ramp\s+from\s+(POTENTIAL)\s+to\s+(POTENTIAL)\s+over\s+(.+)$, POTENTIAL as in hold_form.
bool ramp_form(const Scan& t, StepMatch& m) {
    std::size_t e = 0;
    return t.lit(0, "ramp", e) && t.spaced_lit(e, "from", e) && t.spaces(e, 1, [&](std::size_t a) {
        return potential_text(t, a, [&](std::size_t b) {
            std::size_t c = 0;
            return t.spaced_lit(b, "to", c) && t.spaces(c, 1, [&](std::size_t d) {
                return potential_text(t, d, [&](std::size_t f) {
                    std::size_t h = 0;
                    return t.spaced_lit(f, "over", h) && t.spaces(h, 1, [&](std::size_t k) {
                        if (!t.rest(k)) return false;
                        m.g[1].set(a, b);
                        m.g[2].set(d, f);
                        m.g[3].set(k, t.size());
                        return true;
                    });
                });
            });
        });
    });
}

// ^follow\s+(potential|current|cell\s+voltage)\s+from\s+(.+?)(?:\s+(?:or\s+)?until\s+(.+))?$
bool follow_form(const Scan& t, StepMatch& m) {
    std::size_t e = 0;
    if (!t.lit(0, "follow", e)) return false;
    std::size_t a = e;
    while (t.space(a)) ++a;
    if (a == e) return false;
    // The three words differ before any of them ends: one at most matches.
    std::size_t w = 0;
    if (!t.lit(a, "potential", w) && !t.lit(a, "current", w) &&
        !(t.lit(a, "cell", w) && t.spaced_lit(w, "voltage", w)))
        return false;
    m.g[1].set(a, w);
    return t.spaced_lit(w, "from", e) && t.spaces(e, 1, [&](std::size_t b) {
        return t.lazy(b, 1, [&](std::size_t c) {
            m.g[2].set(b, c);
            return until_tail(t, c, m.g[3]);
        });
    });
}

}  // namespace

int EisSpec::frequency_count() const {
    if (!(f_max > 0 && f_min > 0) || !std::isfinite(f_max / f_min)) return 0;
    const double n = std::round(std::log10(f_max / f_min) * points_per_decade);
    return n > 1e9 ? kMaxEisFrequencies + 1 : std::max(1, static_cast<int>(n)) + 1;
}

double CurrentSpec::density_for(double loading, double area, double c_basis) const {
    switch (unit) {
        case Unit::c_rate: return value * c_basis * loading / 3600.0;
        case Unit::specific: return value * loading;
        case Unit::density: return value;
        case Unit::absolute: return value / area;
    }
    return 0.0;
}

void Step::validate(const FieldError& fail) const {
    const FieldChecks check(fail);
    check.require(std::isfinite(duration) && duration >= 0, "duration",
                  "must be a finite duration >= 0 [s] (0: until a limit), such as \"10 h\"");
    check.require(std::isfinite(period) && period >= 0, "period",
                  "must be a finite sampling period >= 0 [s] (0: output.sample_interval)");
    const char* drive = direction > 0 ? "charge" : "discharge";
    switch (kind) {
        case Kind::current:
            check.require(std::isfinite(current.value) && current.value > 0, drive,
                          "a current must be positive and finite (charge/discharge gives the sign)");
            break;
        case Kind::power:
            check.require(std::isfinite(power) && power > 0, drive,
                          "a power must be positive and finite [W] (charge or discharge gives the direction)");
            break;
        case Kind::voltage:
            check.require(std::isfinite(voltage), ramp ? "ramp" : "hold", "a potential must be finite [V]");
            if (ramp)
                check.require(std::isfinite(ramp_end) && ramp_end != voltage, "ramp",
                              "a ramp needs a finite end potential [V] different from its start (use a hold)");
            break;
        case Kind::temperature:
            check.require(temperature >= kMinTemperature && temperature <= kMaxTemperature, "temperature",
                          temperature_range_message(temperature));
            break;
        case Kind::eis:
            check.require(std::isfinite(eis.f_max) && std::isfinite(eis.f_min) && eis.f_min > 0 &&
                              eis.f_max > eis.f_min,
                          "eis", "an EIS sweep runs from a higher to a lower positive frequency [Hz]");
            check.require(eis.points_per_decade >= 1 && eis.points_per_decade <= 1000, "eis.points_per_decade",
                          "an integer from 1 to 1000");
            check.require(eis.frequency_count() <= kMaxEisFrequencies, "eis",
                          "at most " + std::to_string(kMaxEisFrequencies) + " frequencies");
            break;
        case Kind::rest: break;
        case Kind::follow:
            check.require(std::isfinite(follow.time_scale) && follow.time_scale > 0, "follow.time_scale",
                          "must be a positive finite factor (2: the profile runs half as fast)");
            check.require(std::isfinite(follow.offset) && follow.offset >= 0, "follow.offset",
                          "must be a duration >= 0 [s] (the file time skipped at the start)");
            check.require(follow.profile && follow.profile->time.size() >= 2, "follow.file",
                          "needs a profile of at least two rows (read with read_recorded_profile)");
            break;
    }
    for (const Limit& l : limits) {
        const double v = l.kind == Limit::Kind::current ? l.current.value : l.value;
        check.require(std::isfinite(v) && v > 0, "until", "a limit must be positive and finite: '" + l.text + "'");
    }
}

void Protocol::validate(const FieldError& fail) const {
    const FieldChecks check(fail);
    check.require(std::isfinite(c_rate_basis) && c_rate_basis >= 0, "c_rate_basis",
                  "must be positive [C/kg], such as \"278 mAh/g\" (0: the CAM's theoretical capacity)");
    check.require(std::isfinite(shoulder_potential), "shoulder_potential", "must be a finite potential [V]");
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const std::string prefix = "steps[" + std::to_string(i) + "]";
        const std::string& label = steps[i].label;
        steps[i].validate([&](const std::string& key, const std::string& message) {
            fail(prefix + "." + key, label.empty() ? message : "step '" + label + "': " + message);
        });
    }
}

Step parse_step_string(const std::string& text) {
    Step s;
    s.label = trim(text);
    // The scanner backtracks (polynomially in the length): bound the input so a pasted blob
    // cannot keep it busy. Real steps are a line long.
    if (s.label.size() > kMaxStepText)
        throw std::invalid_argument("a step string is at most " + std::to_string(kMaxStepText) +
                                    " characters; this one has " + std::to_string(s.label.size()));
    std::string t = normalise_time_words(s.label);
    // PyBaMM's sampling suffix: "Rest for 1 hour (1 minute period)".
    std::string period_text;
    if (strip_period(t, period_text)) s.period = parse_duration(period_text);
    const Scan scan(t);
    StepMatch m(scan);
    if (eis_form(scan, m)) {
        parse_eis_string(m[1], m[2], s);
    } else if (charge_form(scan, m)) {
        s.direction = lower(m[1]) == "charge" ? 1 : -1;
        parse_drive(trim(m[2]), s);
        if (m.matched(3)) s.duration = parse_duration(m[3]);
        if (m.matched(4))
            for (const auto& l : split_or(m[4])) s.limits.push_back(parse_limit(l));
    } else if (hold_form(scan, m)) {
        s.kind = Step::Kind::voltage;
        s.voltage = parse_as(strip_reference(m[1], s.reference), dim::voltage);
        if (m.matched(2)) s.duration = parse_duration(m[2]);
        if (m.matched(3))
            for (const auto& l : split_or(m[3])) s.limits.push_back(parse_limit(l));
    } else if (rest_form(scan, m)) {
        s.kind = Step::Kind::rest;
        s.duration = parse_duration(m[1]);
    } else if (ramp_form(scan, m)) {
        s.kind = Step::Kind::voltage;
        s.ramp = true;
        Reference r0 = Reference::li, r1 = Reference::li;
        bool said0 = false, said1 = false;
        s.voltage = parse_as(strip_reference(m[1], r0, &said0), dim::voltage);
        s.ramp_end = parse_as(strip_reference(m[2], r1, &said1), dim::voltage);
        if (said0 && said1 && r0 != r1) throw std::invalid_argument("a ramp's ends must refer to the same potential (both cell or both vs Li/Li+)");
        s.reference = said0 ? r0 : r1;
        s.duration = parse_duration(m[3]);
        if (s.ramp_end == s.voltage) throw std::invalid_argument("a ramp needs different start and end potentials (use a hold)");
        s.direction = s.ramp_end > s.voltage ? 1 : -1;
    } else if (follow_form(scan, m)) {
        s.kind = Step::Kind::follow;
        const std::string what = lower(m[1]);
        s.follow.quantity = what == "current" ? FollowSpec::Quantity::current : FollowSpec::Quantity::potential;
        if (what != "current" && what != "potential") {
            s.follow.reference = Reference::cell;
            s.follow.reference_given = true;
        }
        s.follow.file = trim(m[2]);
        if (m.matched(3))
            for (const auto& l : split_or(m[3])) s.limits.push_back(parse_limit(l));
    } else if (temperature_form(scan, m)) {
        s.kind = Step::Kind::temperature;
        s.temperature = parse_as(trim(m[1]), dim::temperature);
    } else {
        throw std::invalid_argument(
            "cannot read step '" + s.label +
            "'; expected forms like \"Charge at C/50 until 4.3 V\", \"Discharge at 5.5 mA/g until "
            "2.0 V\", \"Hold at 4.3 V for 10 hours\", \"Rest for 1 h\", \"Set temperature to 30 degC\", "
            "\"Ramp from 2.5 V to 4.3 V over 34 hours\", \"Charge at C/50 until 3.68 V cell\" (a cell voltage), "
            "\"Follow potential from run.h5\", \"Follow current from drive.csv\", \"EIS from 10 kHz to 10 mHz\"");
    }
    check_step(s);
    return s;
}

namespace {

// A potential as a mapping writes it: "1.38 V", "1.38 V cell" (then r = cell).
double potential_of(const ConfigNode& v, Reference& r) {
    try {
        return parse_as(strip_reference(v.string(), r), dim::voltage);
    } catch (const std::invalid_argument& e) {
        v.fail(std::string(e.what()) + " (expected a potential such as \"4.3 V\" or \"3.68 V cell\")");
    }
}

Reference reference_of(const ConfigNode& n, const std::string& key) {
    const std::string r = lower(n.string(key));
    if (r == "cell") return Reference::cell;
    if (r == "li" || r == "li/li+") return Reference::li;
    n.fail(key, "expected cell (the cell voltage, cathode vs the counter electrode) or li (vs Li/Li+)");
}

// `follow: {quantity: potential|current, file: F, time_scale: 1, offset: 0 s, reference:
// li|cell, column: NAME}` (file and quantity required).
void read_follow(const ConfigNode& f, Step& s) {
    if (!f.is_map())
        f.fail("expected a mapping such as {quantity: potential, file: run.h5} (or the string step "
               "\"Follow potential from run.h5\")");
    f.allow_only({"quantity", "file", "time_scale", "offset", "reference", "column"});
    s.kind = Step::Kind::follow;
    const std::string q = lower(f.string("quantity"));
    if (q == "current") s.follow.quantity = FollowSpec::Quantity::current;
    else if (q != "potential") f.fail("quantity", "expected potential or current");
    s.follow.file = f.string("file");
    if (s.follow.file.empty()) f.fail("file", "expected the path of a CSV, EC-Lab .mpt or ssbsim result .h5 file");
    s.follow.time_scale = f.number("time_scale", 1.0);
    if (!(s.follow.time_scale > 0) || !std::isfinite(s.follow.time_scale))
        f.fail("time_scale", "must be a positive finite factor (2: the profile runs half as fast)");
    s.follow.offset = f.quantity("offset", dim::time, 0.0);
    if (!(s.follow.offset >= 0) || !std::isfinite(s.follow.offset))
        f.fail("offset", "must be a duration >= 0, such as \"2 h\" (the file time skipped at the start)");
    if (f.has("reference")) {
        s.follow.reference = reference_of(f, "reference");
        s.follow.reference_given = true;
    }
    s.follow.column = f.string("column", "");
    s.label = "Follow " + q + " from " + s.follow.file;
}

// What the step does (its one kind key) and its generated label; a ramp also needs a
// duration (read with the other common keys by parse_step_map).
// {eis: {from: 10 kHz, to: 10 mHz, points_per_decade: 10, amplitude: 5 mV, mode: potentiostatic}}
void read_eis_map(const ConfigNode& e, Step& s) {
    if (!e.is_map()) e.fail(kEisForms);
    e.allow_only({"from", "to", "points_per_decade", "amplitude", "mode"});
    s.kind = Step::Kind::eis;
    auto frequency = [&](const char* key) {
        try {
            return parse_frequency(e.string(key));
        } catch (const std::invalid_argument& x) {
            e.fail(key, x.what());
        }
    };
    s.eis.f_max = frequency("from");
    s.eis.f_min = frequency("to");
    if (e.has("points_per_decade")) {
        const int k = e.integer("points_per_decade", 10);
        e.in_range("points_per_decade", k, 1, 1000, std::string("an integer from 1 to 1000; ") + kEisForms);
        s.eis.points_per_decade = k;
    }
    const std::string mode = e.has("mode") ? lower(e.string("mode")) : "potentiostatic";
    if (mode != "potentiostatic" && mode != "galvanostatic")
        e.fail("mode", "expected potentiostatic or galvanostatic");
    s.eis.galvanostatic = mode == "galvanostatic";
    try {
        if (e.has("amplitude")) parse_eis_amplitude(e.string("amplitude"), s.eis);
        else if (s.eis.galvanostatic) parse_eis_amplitude("0.01 mA/cm2", s.eis);
    } catch (const std::invalid_argument& x) {
        e.fail("amplitude", x.what());
    }
    try {
        check_eis(s.eis);
    } catch (const std::invalid_argument& x) {
        e.fail(s.eis.f_max > s.eis.f_min ? "points_per_decade" : "to", x.what());
    }
    s.label = "EIS from " + e.string("from") + " to " + e.string("to");
}

void read_step_kind(const ConfigNode& n, Step& s) {
    if (n.has("charge") || n.has("discharge")) {
        bool ch = n.has("charge");
        s.direction = ch ? 1 : -1;
        std::string what = n.string(ch ? "charge" : "discharge");
        try {
            parse_drive(what, s);
        } catch (const std::invalid_argument& e) {
            n.fail(ch ? "charge" : "discharge", e.what());
        }
        s.label = std::string(ch ? "Charge at " : "Discharge at ") + what;
    } else if (n.has("hold")) {
        s.kind = Step::Kind::voltage;
        s.voltage = potential_of(n["hold"], s.reference);
        s.label = "Hold at " + n.string("hold");
    } else if (n.has("ramp")) {
        ConfigNode r = n["ramp"];
        if (!r.is_sequence() || r.size() != 2) n.fail("ramp", "expected [start, end], such as [\"2.5 V\", \"4.3 V\"]");
        s.kind = Step::Kind::voltage;
        s.ramp = true;
        Reference r0 = Reference::li, r1 = Reference::li;
        s.voltage = potential_of(r[0], r0);
        s.ramp_end = potential_of(r[1], r1);
        if (r0 != r1) n.fail("ramp", "a ramp's ends must refer to the same potential (both cell or both vs Li/Li+)");
        s.reference = r0;
        if (s.ramp_end == s.voltage) n.fail("ramp", "a ramp needs different start and end potentials (use a hold)");
        s.direction = s.ramp_end > s.voltage ? 1 : -1;
        if (!n.has("duration")) n.fail("a ramp needs a duration");
        s.label = "Ramp from " + r[0].string() + " to " + r[1].string();
    } else if (n.has("follow")) {
        read_follow(n["follow"], s);
    } else if (n.has("rest")) {
        s.kind = Step::Kind::rest;
        if (n["rest"].is_scalar() && n.string("rest") != "true") {
            try {
                s.duration = parse_duration(n.string("rest"));
            } catch (const std::invalid_argument& e) {
                n.fail("rest", std::string(e.what()) + " (expected a duration such as \"1 h\")");
            }
        }
        s.label = "Rest";
    } else if (n.has("eis")) {
        read_eis_map(n["eis"], s);
    } else {
        s.kind = Step::Kind::temperature;
        s.temperature = n.quantity("temperature", dim::temperature);
        s.label = "Set temperature to " + n.string("temperature");
    }
}

// The step's `until` limits: one or a list.
void read_step_limits(const ConfigNode& n, Step& s) {
    if (!n.has("until")) return;
    ConfigNode u = n["until"];
    std::vector<ConfigNode> items;
    if (u.is_sequence())
        for (size_t i = 0; i < u.size(); ++i) items.push_back(u[i]);
    else
        items.push_back(u);
    for (const auto& item : items) {
        try {
            s.limits.push_back(parse_limit(item.string()));
        } catch (const std::invalid_argument& e) {
            item.fail(e.what());
        }
    }
}

// A step mapping's `reference: cell | li`: for its hold or ramp, a follow step without its
// own, and the voltage limits that do not say theirs ("3.68 V cell").
void apply_reference(const ConfigNode& n, Step& s) {
    const Reference r = reference_of(n, "reference");
    Reference said_r = Reference::li;
    bool said = false;
    if (s.kind == Step::Kind::voltage) {
        const std::string text = s.ramp ? n["ramp"][0].string() : n.string("hold");
        strip_reference(text, said_r, &said);
        if (said && said_r != r) n.fail("reference", "contradicts the potential '" + text + "'");
        s.reference = r;
    } else if (s.kind == Step::Kind::follow && !s.follow.reference_given) {
        s.follow.reference = r;
        s.follow.reference_given = true;
    }
    for (Limit& l : s.limits) {
        if (l.kind != Limit::Kind::voltage) continue;
        strip_reference(l.text, said_r, &said);
        if (!said) l.reference = r;
    }
}

Step parse_step_map(const ConfigNode& n) {
    n.allow_only({"charge", "discharge", "hold", "ramp", "rest", "temperature", "follow", "eis", "duration",
                  "until", "period", "label", "reference"});
    Step s;
    int kinds = 0;
    for (const char* k : {"charge", "discharge", "hold", "ramp", "rest", "temperature", "follow", "eis"})
        kinds += n.has(k) ? 1 : 0;
    if (kinds != 1)
        n.fail("a step needs exactly one of charge, discharge, hold, ramp, rest, temperature, follow, eis");
    try {
        read_step_kind(n, s);
        if (n.has("duration")) {
            try {
                s.duration = parse_duration(n.string("duration"));
            } catch (const std::invalid_argument& e) {
                n.fail("duration", std::string(e.what()) + " (expected a duration such as \"10 h\")");
            }
        }
        if (n.has("period")) {
            try {
                s.period = parse_duration(n.string("period"));
            } catch (const std::invalid_argument& e) {
                n.fail("period", std::string(e.what()) + " (expected a sampling period such as \"1 min\")");
            }
        }
        read_step_limits(n, s);
        if (n.has("reference")) apply_reference(n, s);
        if (s.duration > 0) s.label += " for " + std::to_string(s.duration / 3600.0) + " h";
        for (const auto& l : s.limits) s.label += " until " + l.text;
        if (n.has("label")) s.label = n.string("label");
        check_step(s);
    } catch (const std::invalid_argument& e) {
        n.fail(e.what());
    }
    return s;
}

// Whether a follow step charges (+1), discharges (-1) or neither (0), over the part of its
// profile it uses (from the offset on): a potential that ends above where it starts, a
// current whose net charge is positive (the cycler's sign: charge > 0) is a charge. As for
// the other steps, a charge opens the next cycle after a discharge and has its shoulder
// capacity counted (run/cycle_book.cpp, the shoulder event in run/step_setup.cpp).
int follow_direction(const RecordedProfile& p, double offset, FollowSpec::Quantity q) {
    const double tau0 = p.time.front() + offset;
    double net = 0.0;
    if (q == FollowSpec::Quantity::potential) {
        net = p.value.back() - profile_value(p, tau0);
    } else {
        for (std::size_t i = 1; i < p.time.size(); ++i) {
            const double a = std::max(p.time[i - 1], tau0), b = p.time[i];
            if (b <= a) continue;  // before the offset, or a jump
            net += 0.5 * (profile_value(p, a, nullptr, true) + p.value[i]) * (b - a);
        }
    }
    return net > 0 ? 1 : net < 0 ? -1 : 0;
}

// A follow step's profile, read once (repeat copies share it); errors at the step's node.
void load_follow(const ConfigNode& n, Step& s) {
    const ConfigNode at = n.is_map() ? n["follow"] : n;
    const std::string path = resolve_beside(at.file_name(), s.follow.file);
    try {
        s.follow.profile = read_recorded_profile(path, s.follow);
    } catch (const std::invalid_argument& e) {
        if (at.is_map()) at.fail("file", e.what());
        at.fail(e.what());
    }
    s.follow.file = std::filesystem::absolute(path).lexically_normal().string();
    const RecordedProfile& p = *s.follow.profile;
    if (!s.follow.reference_given && p.reference_declared) s.follow.reference = p.reference;
    const double span = (p.time.back() - p.time.front() - s.follow.offset) * s.follow.time_scale;
    if (!(span > 0))
        (at.is_map() ? at["offset"] : at).fail("the offset skips the whole profile (it spans " +
                                               std::to_string((p.time.back() - p.time.front()) / 3600.0) + " h)");
    if (s.duration <= 0) s.duration = span;
    s.direction = follow_direction(p, s.follow.offset, s.follow.quantity);
}

void parse_steps(const ConfigNode& list, StepList& out, int depth) {
    if (!list.is_sequence()) list.fail("expected a list of steps");
    if (list.size() > kMaxSteps) list.fail("a protocol has at most " + std::to_string(kMaxSteps) + " steps");
    if (depth > 8) list.fail("repeat blocks nested too deeply");
    for (size_t i = 0; i < list.size(); ++i) {
        ConfigNode n = list[i];
        if (n.is_scalar()) {
            try {
                Step s = parse_step_string(n.string());
                s.line = n.origin_line();
                s.source = n.origin_name();
                if (s.kind == Step::Kind::follow) load_follow(n, s);
                out.push_back(std::move(s));
            } catch (const std::invalid_argument& e) {
                n.fail(e.what());
            }
        } else if (n.is_map() && n.has("repeat")) {
            n.allow_only({"repeat", "steps"});
            int count = n.integer("repeat", 1);
            n.in_range("repeat", count, 1, 100000, "an integer from 1 to 100000");
            StepList block;
            parse_steps(n.at("steps"), block, depth + 1);
            // Nested repeats multiply: check the total before expanding, not per level.
            const double total = static_cast<double>(out.size()) +
                                 static_cast<double>(count) * static_cast<double>(block.size());
            if (total > static_cast<double>(kMaxSteps)) {
                std::ostringstream os;
                os << "this repeat expands the protocol to " << total << " steps; at most "
                   << kMaxSteps << " are allowed (" << count << " x " << block.size()
                   << " steps here, " << out.size() << " before it)";
                n.fail("repeat", os.str());
            }
            out.append_repeated(block, static_cast<std::size_t>(count));  // the block's steps stored once
        } else if (n.is_map()) {
            Step s = parse_step_map(n);
            s.line = n.origin_line();
            s.source = n.origin_name();
            if (s.kind == Step::Kind::follow) load_follow(n, s);
            out.push_back(s);
        } else {
            n.fail("a step is a string or a mapping");
        }
    }
}

}  // namespace

Protocol parse_protocol(const ConfigNode& p) {
    Protocol out;
    if (p.is_sequence()) {
        parse_steps(p, out.steps, 0);
    } else {
        p.allow_only({"c_rate_basis", "shoulder_potential", "steps"});
        out.c_rate_basis = p.quantity("c_rate_basis", dim::specific_charge, 0.0);
        if (p.has("c_rate_basis") && !(out.c_rate_basis > 0))
            p.fail("c_rate_basis", "must be positive, such as \"278 mAh/g\"");
        out.shoulder_potential = p.quantity("shoulder_potential", dim::voltage, 3.6);
        parse_steps(p.at("steps"), out.steps, 0);
    }
    if (out.steps.empty()) p.fail("the protocol has no steps");
    return out;
}

std::string describe(const Step& s) { return s.label; }

const char* to_string(Reference r) { return r == Reference::cell ? "cell" : "li"; }

// A step as a mapping that parse_step_map reads back to the same step.
YAML::Node emit_step(const Step& s) {
    YAML::Node n;
    switch (s.kind) {
        case Step::Kind::current:
            n[s.direction > 0 ? "charge" : "discharge"] = s.current.text;
            break;
        case Step::Kind::power:
            n[s.direction > 0 ? "charge" : "discharge"] = quantity_text(s.power, "W", dim::power);
            break;
        case Step::Kind::voltage:
            if (s.ramp) {
                n["ramp"].push_back(quantity_text(s.voltage, "V", dim::voltage));
                n["ramp"].push_back(quantity_text(s.ramp_end, "V", dim::voltage));
            } else {
                n["hold"] = quantity_text(s.voltage, "V", dim::voltage);
            }
            if (s.reference == Reference::cell) n["reference"] = "cell";
            break;
        case Step::Kind::follow: {
            YAML::Node f;
            f["quantity"] = s.follow.quantity == FollowSpec::Quantity::current ? "current" : "potential";
            f["file"] = s.follow.file;
            if (s.follow.time_scale != 1.0) f["time_scale"] = s.follow.time_scale;
            if (s.follow.offset > 0) f["offset"] = quantity_text(s.follow.offset, "s", dim::time);
            if (s.follow.reference_given || s.follow.reference == Reference::cell)
                f["reference"] = to_string(s.follow.reference);
            if (!s.follow.column.empty()) f["column"] = s.follow.column;
            n["follow"] = f;
            break;
        }
        case Step::Kind::rest: n["rest"] = true; break;
        case Step::Kind::temperature: n["temperature"] = quantity_text(s.temperature, "K", dim::temperature); break;
        case Step::Kind::eis:
            n["eis"]["from"] = number_text(s.eis.f_max) + " Hz";
            n["eis"]["to"] = number_text(s.eis.f_min) + " Hz";
            n["eis"]["points_per_decade"] = s.eis.points_per_decade;
            n["eis"]["amplitude"] = s.eis.amplitude_text;
            n["eis"]["mode"] = s.eis.galvanostatic ? "galvanostatic" : "potentiostatic";
            break;
    }
    if (s.duration > 0) n["duration"] = quantity_text(s.duration, "s", dim::time);
    if (s.period > 0) n["period"] = quantity_text(s.period, "s", dim::time);
    if (!s.limits.empty()) {
        YAML::Node u(YAML::NodeType::Sequence);
        for (const auto& l : s.limits) {
            // A limit the step's `reference: cell` placed says so in its own text.
            Reference r = Reference::li;
            bool said = false;
            strip_reference(l.text, r, &said);
            u.push_back(l.kind == Limit::Kind::voltage && l.reference == Reference::cell && !said ? l.text + " cell"
                                                                                                  : l.text);
        }
        n["until"] = u;
    }
    n["label"] = s.label;
    return n;
}

YAML::Node emit_protocol(const Protocol& p, bool with_steps) {
    YAML::Node n;
    if (p.c_rate_basis > 0) n["c_rate_basis"] = quantity_text(p.c_rate_basis, "mAh/g", dim::specific_charge);
    n["shoulder_potential"] = quantity_text(p.shoulder_potential, "V", dim::voltage);
    YAML::Node steps(YAML::NodeType::Sequence);
    if (with_steps)
        for (const auto& s : p.steps) steps.push_back(emit_step(s));
    n["steps"] = steps;
    return n;
}

}  // namespace ssbsim
