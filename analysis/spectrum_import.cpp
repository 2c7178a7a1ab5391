#include "analysis/spectrum_import.hpp"
#include "analysis/metrics.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/constants.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "io/spectra.hpp"

namespace ssbsim {

namespace {

// The most lines a spectrum file may have (EC-Lab sweeps list ~100 points).
constexpr std::size_t kMaxSpectrumLines = 1000000;

// Leading: blanks, quotes and a UTF-8 byte-order mark; trailing: blanks and quotes.
std::string trim(const std::string& s) {
    const auto a = s.find_first_not_of(" \t\r\n\"\xEF\xBB\xBF"), b = s.find_last_not_of(" \t\r\n\"");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

std::vector<std::string> split(const std::string& line, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    for (std::string item; std::getline(ss, item, sep);) out.push_back(trim(item));
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string l; std::getline(ss, l);) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        out.push_back(l);
        if (out.size() > kMaxSpectrumLines) break;
    }
    return out;
}

// Column roles: frequency [Hz], real part [ohm], imaginary part [ohm] and its sign (EC-Lab
// writes -Im(Z)).
struct Columns {
    int f = -1, re = -1, im = -1;
    double im_sign = 1;
    double f_scale = 1, z_scale = 1;  // to Hz, to ohm
};

double z_unit(const std::string& h) {
    if (h.find("mohm") != std::string::npos) return 1e-3;
    if (h.find("kohm") != std::string::npos) return 1e3;
    return 1.0;
}

Columns find_columns(const std::vector<std::string>& head) {
    Columns c;
    for (int k = 0; k < static_cast<int>(head.size()); ++k) {
        const std::string h = lower(head[k]);
        if (c.f < 0 && (h.rfind("freq", 0) == 0)) {
            c.f = k;
            if (h.find("khz") != std::string::npos) c.f_scale = 1e3;
            else if (head[k].find("MHz") != std::string::npos) c.f_scale = 1e6;
            else if (head[k].find("mHz") != std::string::npos) c.f_scale = 1e-3;
        } else if (c.re < 0 && (h.rfind("re(z)", 0) == 0 || h.rfind("z'", 0) == 0 || h.rfind("z_real", 0) == 0 ||
                                h.rfind("zreal", 0) == 0) && h.rfind("z''", 0) != 0) {
            c.re = k;
            c.z_scale = z_unit(h);
        } else if (c.im < 0 && (h.rfind("-im(z)", 0) == 0 || h.rfind("-z''", 0) == 0)) {
            c.im = k;
            c.im_sign = -1;
        } else if (c.im < 0 && (h.rfind("im(z)", 0) == 0 || h.rfind("z''", 0) == 0 || h.rfind("z_imag", 0) == 0 ||
                                h.rfind("zimag", 0) == 0)) {
            c.im = k;
        }
    }
    return c;
}

double number(const std::string& s, const std::string& name, int line, const std::string& column) {
    std::string t = trim(s);
    std::replace(t.begin(), t.end(), ',', '.');  // decimal commas (tab- or semicolon-separated)
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0' || !std::isfinite(v))
        throw DataError(name, line, column, "'" + s + "' is not a number");
    return v;
}

// The header line: .mpt line N of "Nb header lines : N", else the first with a frequency column.
std::size_t header_line(const std::vector<std::string>& lines) {
    if (lines.size() > 1 && lower(lines[1]).rfind("nb header lines", 0) == 0) {
        const auto colon = lines[1].find(':');
        const int n = colon == std::string::npos ? 0 : std::atoi(lines[1].c_str() + colon + 1);
        if (n >= 1 && static_cast<std::size_t>(n) <= lines.size()) return static_cast<std::size_t>(n) - 1;
    }
    for (std::size_t i = 0; i < lines.size(); ++i)
        if (lower(trim(lines[i])).rfind("freq", 0) == 0) return i;
    return lines.size();
}

char separator(const std::string& header) {
    if (header.find('\t') != std::string::npos) return '\t';
    if (header.find(';') != std::string::npos) return ';';
    return ',';
}

std::string fmt_hz(double f) {
    std::ostringstream os;
    os << f << " Hz";
    return os.str();
}

}  // namespace

MeasuredSpectrum parse_spectrum(const std::string& text, const std::string& name) {
    const std::vector<std::string> lines = lines_of(text);
    const std::size_t h = header_line(lines);
    if (h >= lines.size())
        throw DataError(name, 0, "", "no spectrum header; expected an EC-Lab PEIS export (columns freq/Hz, "
                                     "Re(Z)/Ohm, -Im(Z)/Ohm) or a CSV with columns frequency, Z', Z''");
    const char sep = separator(lines[h]);
    const std::vector<std::string> head = split(lines[h], sep);
    const Columns c = find_columns(head);
    if (c.f < 0 || c.re < 0 || c.im < 0)
        throw DataError(name, static_cast<int>(h + 1), c.f < 0 ? "frequency" : c.re < 0 ? "Z'" : "Z''",
                        "missing column; expected freq/Hz, Re(Z)/Ohm and -Im(Z)/Ohm (EC-Lab) or frequency, Z', Z''");
    MeasuredSpectrum m;
    m.path = name;
    int last = static_cast<int>(h + 1);  // the last line read (the header when no row follows)
    for (std::size_t i = h + 1; i < lines.size(); ++i) {
        if (trim(lines[i]).empty() || trim(lines[i])[0] == '#') continue;
        const std::vector<std::string> f = split(lines[i], sep);
        const int line = static_cast<int>(i + 1);
        last = line;
        const int need = std::max(c.f, std::max(c.re, c.im));
        if (static_cast<int>(f.size()) <= need) throw DataError(name, line, head[need], "the row has too few columns");
        const double freq = number(f[c.f], name, line, head[c.f]) * c.f_scale;
        if (!(freq > 0)) throw DataError(name, line, head[c.f], "a frequency must be positive");
        m.frequency.push_back(freq);
        m.z_real.push_back(number(f[c.re], name, line, head[c.re]) * c.z_scale);
        m.z_imag.push_back(c.im_sign * number(f[c.im], name, line, head[c.im]) * c.z_scale);
    }
    // An empty frequency range: no rows, one row, or every row at one frequency.
    if (m.frequency.size() < 2)
        throw DataError(name, last, head[c.f],
                        "a spectrum needs at least two points over a frequency range; found " +
                            std::to_string(m.frequency.size()));
    const auto [lo, hi] = std::minmax_element(m.frequency.begin(), m.frequency.end());
    if (!(*hi > *lo))
        throw DataError(name, last, head[c.f], "the frequencies span no range (all " + fmt_hz(*lo) + ")");
    return m;
}

MeasuredSpectrum load_spectrum(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DataError(path, 0, "", "cannot open the file");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_spectrum(ss.str(), path);
}

bool is_spectrum_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string text;
    for (std::string l; text.size() < 200000 && std::getline(in, l);) text += l + "\n";
    const std::vector<std::string> lines = lines_of(text);
    const std::size_t h = header_line(lines);
    if (h >= lines.size()) return false;
    // A frequency column makes it a spectrum: load_spectrum names a missing Z column.
    return find_columns(split(lines[h], separator(lines[h]))).f >= 0;
}

namespace {
// log10 |Z| and the phase [rad] of z (per area) at frequency f, in ohm, interpolated
// linearly in log10 f; false outside the simulated range.
bool simulated_at(const Spectrum& z, double area, double f, double& log_mod, double& phase) {
    const std::size_t n = z.frequency.size();
    for (std::size_t k = 0; k + 1 < n; ++k) {
        const double hi = z.frequency[k], lo = z.frequency[k + 1];  // descending
        if (f > hi * (1 + 1e-12) || f < lo * (1 - 1e-12)) continue;
        const double s = hi == lo ? 0.0 : (std::log10(hi) - std::log10(f)) / (std::log10(hi) - std::log10(lo));
        auto at = [&](std::size_t i, double& lm, double& ph) {
            lm = std::log10(std::hypot(z.z_real[i], z.z_imag[i]) / area);
            ph = std::atan2(z.z_imag[i], z.z_real[i]);
        };
        double l0, p0, l1, p1;
        at(k, l0, p0);
        at(k + 1, l1, p1);
        log_mod = l0 + s * (l1 - l0);
        phase = p0 + s * (p1 - p0);
        return true;
    }
    return false;
}
}  // namespace

SpectrumComparison compare_spectra(const Spectrum& z, double area, const MeasuredSpectrum& m) {
    SpectrumComparison c;
    double s_mod = 0, s_ph = 0;
    for (std::size_t i = 0; i < m.frequency.size(); ++i) {
        double lm = 0, ph = 0;
        if (!simulated_at(z, area, m.frequency[i], lm, ph)) continue;
        const double dm = lm - std::log10(std::hypot(m.z_real[i], m.z_imag[i]));
        const double dp = (ph - std::atan2(m.z_imag[i], m.z_real[i])) * 180.0 / constants::pi;
        s_mod += dm * dm;
        s_ph += dp * dp;
        ++c.points;
    }
    if (c.points > 0) {
        c.rmse_log_modulus = std::sqrt(s_mod / c.points);
        c.rmse_phase = std::sqrt(s_ph / c.points);
    }
    c.arc_width_simulated = spectrum_metrics(z).arc_width / area;
    // The measured arc: the same rule on the measured points sorted by descending frequency.
    Spectrum ms;
    std::vector<std::size_t> order(m.frequency.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return m.frequency[a] > m.frequency[b]; });
    for (std::size_t i : order) {
        ms.frequency.push_back(m.frequency[i]);
        ms.z_real.push_back(m.z_real[i]);
        ms.z_imag.push_back(m.z_imag[i]);
    }
    c.arc_width_measured = spectrum_metrics(ms).arc_width;
    return c;
}

std::string spectrum_comparison_json(const SpectrumComparison& c, const std::string& data, const Spectrum& z) {
    json::Value j = json::Value::object();
    j["kind"] = "impedance spectrum";
    j["data"] = data;
    j["simulated_step"] = z.step;
    j["simulated_cycle"] = z.cycle;
    j["points"] = c.points;
    j["rmse_log10_modulus"] = json::number(c.rmse_log_modulus);
    j["rmse_phase_deg"] = json::number(c.rmse_phase);
    j["arc_width_simulated_ohm"] = json::number(c.arc_width_simulated);
    j["arc_width_measured_ohm"] = json::number(c.arc_width_measured);
    return json::dump(j);
}

}  // namespace ssbsim
