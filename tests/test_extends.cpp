// Configs that extend others (issue 9): `extends: PATH` merges the base under the file's own
// keys with the path semantics of --set, errors keep naming the file and line that wrote
// a key, the embedded default resolves among the embedded files, the shipped studies hold
// one copy of the chemistry and resolve exactly as their pre-extends copies, and a sweep
// resume notices an edited base.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/resources.hpp"
#include "io/sweep.hpp"
#include "run/simulation.hpp"
#include "test_support.hpp"

namespace ssbsim {
namespace {

namespace fs = std::filesystem;

std::string fresh_dir(const std::string& name) {
    const fs::path d = fs::path(::testing::TempDir()) / ("ssbsim_extends_" + name + "_" + std::to_string(getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d.string();
}

void put(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs `f`, expects a ConfigError and returns it.
template <class F>
ConfigError config_error(F&& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "no ConfigError";
    return ConfigError("", 0, "", "");
}

// Same type, same scalars, same sequence entries in order, same mapping keys (any order).
bool same_tree(const YAML::Node& a, const YAML::Node& b) {
    if (a.Type() != b.Type()) return false;
    if (a.IsScalar()) return a.Scalar() == b.Scalar();
    if (a.IsSequence()) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!same_tree(a[i], b[i])) return false;
        return true;
    }
    if (a.IsMap()) {
        if (a.size() != b.size()) return false;
        for (const auto& kv : a) {
            const YAML::Node& cb = b;
            YAML::Node other = cb[kv.first.Scalar()];
            if (!other.IsDefined() || !same_tree(kv.second, other)) return false;
        }
    }
    return true;
}

std::string resolved_text(const SimulationConfig& c) { return emit_config_text(c); }

SimulationConfig load(const ConfigNode& root) {
    MaterialLibrary lib;
    return load_config(root, lib);
}

const char* kBase = R"(# base
a:
  b: 1
  c: [1, 2]
  d: {e: x, f: y}
  s: text
top: base
)";

TEST(Extends, MergesMappingsKeyByKeyAndReplacesEverythingElse) {
    const std::string d = fresh_dir("merge");
    put(d + "/base.yaml", kBase);
    put(d + "/sub/child.yaml", "extends: ../base.yaml\n"
                               "a:\n"
                               "  b: 2\n"           // scalar replaces
                               "  c: [3]\n"         // a list replaces the whole list
                               "  d: {f: z, g: w}\n"  // mappings merge
                               "  s: {now: map}\n"  // a mapping replaces a scalar
                               "new: here\n");
    ConfigNode root = ConfigNode::load_file(d + "/sub/child.yaml");
    const YAML::Node& y = root.yaml();
    EXPECT_FALSE(root.has("extends"));
    EXPECT_EQ(y["a"]["b"].as<int>(), 2);
    ASSERT_EQ(y["a"]["c"].size(), 1u);
    EXPECT_EQ(y["a"]["c"][0].as<int>(), 3);
    EXPECT_EQ(y["a"]["d"]["e"].as<std::string>(), "x");
    EXPECT_EQ(y["a"]["d"]["f"].as<std::string>(), "z");
    EXPECT_EQ(y["a"]["d"]["g"].as<std::string>(), "w");
    EXPECT_EQ(y["a"]["s"]["now"].as<std::string>(), "map");
    EXPECT_EQ(y["top"].as<std::string>(), "base");
    EXPECT_EQ(y["new"].as<std::string>(), "here");
}

TEST(Extends, AListOfBasesAppliesInOrderAndBasesExtendFurther) {
    const std::string d = fresh_dir("list");
    put(d + "/root.yaml", "x: root\ny: root\nz: root\n");
    put(d + "/one.yaml", "extends: root.yaml\ny: one\n");
    put(d + "/two.yaml", "y: two\nz: two\n");
    put(d + "/top.yaml", "extends: [one.yaml, two.yaml]\nz: top\n");
    ConfigNode root = ConfigNode::load_file(d + "/top.yaml");
    EXPECT_EQ(root.string("x"), "root");
    EXPECT_EQ(root.string("y"), "two");  // two.yaml goes on top of one.yaml
    EXPECT_EQ(root.string("z"), "top");
    EXPECT_EQ(root["x"].origin_name(), d + "/root.yaml");
    EXPECT_EQ(root["y"].origin_name(), d + "/two.yaml");
    EXPECT_EQ(root["z"].origin_name(), d + "/top.yaml");
    // An absolute path works as well.
    put(d + "/abs.yaml", "extends: " + d + "/root.yaml\n");
    EXPECT_EQ(ConfigNode::load_file(d + "/abs.yaml").string("x"), "root");
}

TEST(Extends, SetOverridesApplyAfterExtends) {
    const std::string d = fresh_dir("set");
    put(d + "/base.yaml", kBase);
    put(d + "/child.yaml", "extends: base.yaml\na: {b: 2}\n");
    ConfigNode root = ConfigNode::load_file(d + "/child.yaml").with_overrides({"a.b=3", "a.d.e=q"});
    EXPECT_EQ(root["a"].number("b"), 3);
    EXPECT_EQ(root["a"]["d"].string("e"), "q");
    EXPECT_EQ(root["a"]["d"].string("f"), "y");
    EXPECT_EQ(root["a"]["b"].origin_name(), "--set a.b=3");
    ConfigError e = config_error([&] { root["a"]["d"]["e"].fail("bad"); });
    EXPECT_EQ(e.file(), "--set a.d.e=q");
    // Not overridden: still the files that wrote them.
    EXPECT_EQ(root["a"]["d"]["f"].origin_name(), d + "/base.yaml");
}

TEST(Extends, ErrorsNameTheFileAndLineThatWroteTheKey) {
    const std::string d = fresh_dir("lines");
    put(d + "/base.yaml", kBase);
    put(d + "/child.yaml", "# child\nextends: base.yaml\na:\n  d:\n    f: z\n");
    ConfigNode root = ConfigNode::load_file(d + "/child.yaml");
    // a.d.f was written on line 5 of the child, a.d.e on line 5 of the base.
    ConfigError e = config_error([&] { root["a"]["d"]["f"].fail("bad f"); });
    EXPECT_EQ(e.file(), d + "/child.yaml");
    EXPECT_EQ(e.line(), 5);
    EXPECT_TRUE(has(e.what(), "5 |     f: z")) << e.what();
    e = config_error([&] { root["a"]["d"]["e"].fail("bad e"); });
    EXPECT_EQ(e.file(), d + "/base.yaml");
    EXPECT_EQ(e.line(), 5);
    EXPECT_TRUE(has(e.what(), "5 |   d: {e: x, f: y}")) << e.what();
    e = config_error([&] { root["top"].fail("bad top"); });
    EXPECT_EQ(e.file(), d + "/base.yaml");
    EXPECT_EQ(e.line(), 7);
    EXPECT_EQ(root["a"]["d"]["f"].origin_line(), 5);
    EXPECT_EQ(root["a"]["d"]["f"].file_name(), d + "/child.yaml");
}

TEST(Extends, ConfigErrorsOfARealCellPointIntoTheRightFile) {
    const std::string d = fresh_dir("cell");
    const std::string chem = test::source_path("configs/chemistry/calibrated.yaml");
    const std::string cell = slurp(test::source_path("configs/studies/study_a.yaml"));
    // The study with its chemistry from the shipped file, one chemistry key overridden badly.
    std::string text = cell;
    text.replace(text.find("extends: ../chemistry/calibrated.yaml"), 37, "extends: " + chem);
    put(d + "/a.yaml", text + "chemistry:\n  contact: {initial: 5}\n");
    const int bad_line = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 2;
    ConfigError e = config_error([&] { load(ConfigNode::load_file(d + "/a.yaml")); });
    EXPECT_EQ(e.file(), d + "/a.yaml") << e.what();
    EXPECT_EQ(e.line(), bad_line) << e.what();
    // A misspelt key beside the base's keys is the child's too.
    put(d + "/b.yaml", text + "chemistry:\n  sitez: {}\n");
    e = config_error([&] { load(ConfigNode::load_file(d + "/b.yaml")); });
    EXPECT_EQ(e.file(), d + "/b.yaml") << e.what();
    EXPECT_EQ(e.line(), bad_line) << e.what();
    EXPECT_TRUE(has(e.what(), "sitez")) << e.what();
    // A bad value in the base names the base.
    std::string chem_text = slurp(chem);
    const std::string alpha = "alpha: 0.2";
    const auto at = chem_text.find(alpha);
    chem_text.replace(at, alpha.size(), "alpha: -3");
    const int chem_line = static_cast<int>(std::count(chem_text.begin(), chem_text.begin() + at, '\n')) + 1;
    put(d + "/chem.yaml", chem_text);
    text = cell;
    text.replace(text.find("extends: ../chemistry/calibrated.yaml"), 37, "extends: chem.yaml");
    put(d + "/c.yaml", text);
    e = config_error([&] { load(ConfigNode::load_file(d + "/c.yaml")); });
    EXPECT_EQ(e.file(), d + "/chem.yaml") << e.what();
    EXPECT_EQ(e.line(), chem_line) << e.what();
}

TEST(Extends, AMissingBaseNamesTheExtendsLineAndTheResolvedPath) {
    const std::string d = fresh_dir("missing");
    put(d + "/child.yaml", "name: x\nextends: nowhere/base.yaml\n");
    ConfigError e = config_error([&] { ConfigNode::load_file(d + "/child.yaml"); });
    EXPECT_EQ(e.file(), d + "/child.yaml");
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.key(), "extends");
    EXPECT_TRUE(has(e.what(), d + "/nowhere/base.yaml")) << e.what();
    EXPECT_TRUE(has(e.what(), "does not exist")) << e.what();
    // A directory is no base either; neither is a base that is not a mapping.
    fs::create_directories(d + "/adir");
    put(d + "/dir.yaml", "extends: adir\n");
    e = config_error([&] { ConfigNode::load_file(d + "/dir.yaml"); });
    EXPECT_TRUE(has(e.what(), "is a directory")) << e.what();
    put(d + "/list.yaml", "- 1\n- 2\n");
    put(d + "/onlist.yaml", "extends: list.yaml\n");
    e = config_error([&] { ConfigNode::load_file(d + "/onlist.yaml"); });
    EXPECT_EQ(e.file(), d + "/list.yaml") << e.what();
    // Syntax errors in a base name the base, at its line.
    put(d + "/broken.yaml", "a: 1\nb: [1, 2\n");
    put(d + "/onbroken.yaml", "extends: broken.yaml\n");
    e = config_error([&] { ConfigNode::load_file(d + "/onbroken.yaml"); });
    EXPECT_EQ(e.file(), d + "/broken.yaml") << e.what();
    // The per-file limits hold for bases: a key twice.
    put(d + "/twice.yaml", "a: 1\na: 2\n");
    put(d + "/ontwice.yaml", "extends: twice.yaml\n");
    e = config_error([&] { ConfigNode::load_file(d + "/ontwice.yaml"); });
    EXPECT_EQ(e.file(), d + "/twice.yaml") << e.what();
    EXPECT_EQ(e.line(), 2) << e.what();
}

TEST(Extends, ACycleIsAnErrorNamingTheChain) {
    const std::string d = fresh_dir("cycle");
    put(d + "/a.yaml", "extends: b.yaml\n");
    put(d + "/b.yaml", "extends: ./sub/../a.yaml\n");
    ConfigError e = config_error([&] { ConfigNode::load_file(d + "/a.yaml"); });
    EXPECT_EQ(e.file(), d + "/b.yaml");
    EXPECT_EQ(e.line(), 1);
    EXPECT_TRUE(has(e.what(), "cycle")) << e.what();
    EXPECT_TRUE(has(e.what(), d + "/a.yaml -> " + d + "/b.yaml -> " + d + "/a.yaml")) << e.what();
    put(d + "/self.yaml", "x: 1\nextends: self.yaml\n");
    e = config_error([&] { ConfigNode::load_file(d + "/self.yaml"); });
    EXPECT_TRUE(has(e.what(), "cycle")) << e.what();
    // The same base twice (a diamond) is no cycle.
    put(d + "/root.yaml", "x: 1\n");
    put(d + "/l.yaml", "extends: root.yaml\ny: 1\n");
    put(d + "/r.yaml", "extends: root.yaml\nz: 1\n");
    put(d + "/diamond.yaml", "extends: [l.yaml, r.yaml]\n");
    ConfigNode root = ConfigNode::load_file(d + "/diamond.yaml");
    EXPECT_TRUE(root.has("x") && root.has("y") && root.has("z"));
}

TEST(Extends, ChainsDeeperThanSixteenFilesAreRefused) {
    const std::string d = fresh_dir("depth");
    // f0 extends f1 ... extends fN: N hops.
    auto chain = [&](int hops) {
        for (int i = 0; i < hops; ++i)
            put(d + "/f" + std::to_string(i) + ".yaml",
                "extends: f" + std::to_string(i + 1) + ".yaml\nk" + std::to_string(i) + ": 1\n");
        put(d + "/f" + std::to_string(hops) + ".yaml", "deepest: 1\n");
        return d + "/f0.yaml";
    };
    ConfigNode ok = ConfigNode::load_file(chain(16));
    EXPECT_TRUE(ok.has("deepest"));
    EXPECT_TRUE(ok.has("k15"));
    ConfigError e = config_error([&] { ConfigNode::load_file(chain(17)); });
    EXPECT_TRUE(has(e.what(), "more than 16")) << e.what();
    EXPECT_EQ(e.file(), d + "/f16.yaml") << e.what();
}

TEST(Extends, TheValueMustBeAPathOrAListOfPaths) {
    const std::string d = fresh_dir("value");
    for (const std::string v : {"{a: 1}", "[]", "~", "[a.yaml, {b: 1}]", "\"\""}) {
        put(d + "/c.yaml", "name: x\nextends: " + v + "\n");
        ConfigError e = config_error([&] { ConfigNode::load_file(d + "/c.yaml"); });
        EXPECT_EQ(e.line(), 2) << v << ": " << e.what();
        EXPECT_EQ(e.key(), "extends") << v;
        EXPECT_TRUE(has(e.what(), "expected the path of a base config")) << e.what();
    }
    // Only the top level extends: deeper down it is an unknown key like any other.
    put(d + "/base.yaml", "x: 1\n");
    put(d + "/deep.yaml", "cell:\n  extends: base.yaml\n");
    EXPECT_TRUE(ConfigNode::load_file(d + "/deep.yaml")["cell"].has("extends"));
}

TEST(Extends, TextWithAPseudoNameExtendsFromTheWorkingDirectory) {
    const std::string d = fresh_dir("cwd");
    put(d + "/base.yaml", "x: 1\n");
    const fs::path old = fs::current_path();
    fs::current_path(d);
    ConfigNode n = ConfigNode::load_string("extends: base.yaml\ny: 2\n", "<string>");
    fs::current_path(old);
    EXPECT_EQ(n.number("x"), 1);
    EXPECT_EQ(n.number("y"), 2);
}

TEST(Extends, BaseMaterialPathsAreRelativeToTheBase) {
    const std::string d = fresh_dir("materials");
    std::string mat = slurp(test::source_path("configs/materials/NMC532.yaml"));
    const auto name_at = mat.find("name: NMC532");
    ASSERT_NE(name_at, std::string::npos);
    mat.replace(name_at, 12, "name: MyNMC");
    put(d + "/lib/my_nmc.yaml", mat);
    // The base replaces study_a's material list by a file beside itself.
    put(d + "/lib/base.yaml", "extends: " + test::source_path("configs/studies/study_a.yaml") +
                                  "\nmaterials: [my_nmc.yaml]\ncell: {cathode: {active_material: MyNMC}}\n");
    put(d + "/top.yaml", "extends: lib/base.yaml\n");
    SimulationConfig c = load(ConfigNode::load_file(d + "/top.yaml"));
    EXPECT_EQ(c.cell.cam.name, "MyNMC");
}

// ---- the shipped configs --------------------------------------------------------------------

TEST(Extends, TheEmbeddedDefaultResolvesAmongTheEmbeddedFiles) {
    EXPECT_TRUE(has(default_config_text(), "extends: studies/study_a.yaml"));
    EXPECT_EQ(embedded_files().count("studies/study_a.yaml"), 1u);
    EXPECT_EQ(embedded_files().count("chemistry/calibrated.yaml"), 1u);
    ConfigNode root = ConfigNode::load_string(default_config_text(), "<embedded default>");
    EXPECT_EQ(root["output"].string("file"), "ssbsim.h5");
    EXPECT_EQ(root["chemistry"]["contact"]["void_scale"].origin_name(),
              "<embedded configs/chemistry/calibrated.yaml>");
    EXPECT_EQ(root["cell"]["area"].origin_name(), "<embedded configs/studies/study_a.yaml>");
    EXPECT_EQ(root["output"]["file"].origin_name(), "<embedded default>");
    // Resolves exactly as the default did before it extended anything.
    const SimulationConfig now = load(root);
    const SimulationConfig before = test::load("tests/data/extends/pre_default.yaml");
    EXPECT_EQ(resolved_text(now), resolved_text(before));
    // The embedded files resolve among themselves only: not beside the working directory.
    ConfigError e = config_error([] {
        ConfigNode::load_string("extends: studies/nowhere.yaml\n", "<embedded default>");
    });
    EXPECT_TRUE(has(e.what(), "<embedded configs/studies/nowhere.yaml>")) << e.what();
    EXPECT_TRUE(has(e.what(), "SSBSIM_EMBEDDED_CONFIGS")) << e.what();
}

TEST(Extends, EveryShippedConfigResolvesAsItsPreExtendsCopy) {
    const char* names[] = {"default", "study_a", "study_a_carbon_only", "study_b_mno2", "study_b", "study_c", "study_d"};
    for (const std::string n : names) {
        const std::string file = n == "default" ? "configs/default.yaml" : "configs/studies/" + n + ".yaml";
        const ConfigNode now = ConfigNode::load_file(test::source_path(file));
        const ConfigNode before = ConfigNode::load_file(test::source_path("tests/data/extends/pre_" + n + ".yaml"));
        EXPECT_TRUE(same_tree(now.yaml(), before.yaml())) << file;
        EXPECT_EQ(resolved_text(load(now)), resolved_text(load(before))) << file;
        // One copy of the chemistry: the study files hold none of it but their differences.
        EXPECT_FALSE(has(slurp(test::source_path(file)), "reduction_rate_constant")) << file;
    }
    auto value = [](const std::string& study, const char* group, const char* key) {
        return ConfigNode::load_file(test::source_path("configs/studies/" + study + ".yaml"))["chemistry"][group].string(key);
    };
    EXPECT_EQ(value("study_a", "lattice_oxygen", "rate_constant"), "1e-12 A/m2");
    // Issue #10: studies B, C and D describe only cell and protocol; what differs (LiNiO2's
    // O2 release, LiCoO2's own SE oxidation) comes with the materials.
    for (const char* n : {"study_b", "study_c", "study_d"})
        EXPECT_FALSE(has("\n" + slurp(test::source_path(std::string("configs/studies/") + n + ".yaml")), "\nchemistry:")) << n;
    const SimulationConfig c = load(ConfigNode::load_file(test::source_path("configs/studies/study_c.yaml")));
    EXPECT_EQ(c.cell.chemistry.lattice_oxygen.k.reference, 1e-9);
    const SimulationConfig d = load(ConfigNode::load_file(test::source_path("configs/studies/study_d.yaml")));
    // The shared contact law: Study D's void scale is calibrated.yaml's, as Study A's.
    const SimulationConfig a = load(ConfigNode::load_file(test::source_path("configs/studies/study_a.yaml")));
    EXPECT_DOUBLE_EQ(d.cell.chemistry.void_scale, a.cell.chemistry.void_scale);
    EXPECT_GT(d.cell.chemistry.void_scale, 1e-9);
}

// ---- sweep resume ------------------------------------------------------------------------

TEST(Extends, SweepResumeRerunsACaseWhoseExtendedFileChanged) {
    const std::string d = fresh_dir("sweep");
    const std::string chem = slurp(test::source_path("configs/chemistry/calibrated.yaml"));
    put(d + "/chemistry.yaml", chem);
    put(d + "/base.yaml", R"(extends: chemistry.yaml
name: extends sweep
cell:
  area: "0.785 cm2"
  temperature: "45 degC"
  counter_electrode: InLi
  separator: {thickness: "1 mm", electrolyte: Li6PS5Cl}
  cathode:
    active_material: NMC532
    electrolyte: Li6PS5Cl
    carbon: SuperP
    composition: {basis: mass, active_material: 0.60, electrolyte: 0.35, carbon: 0.05}
    porosity: 0.15
    loading: "11.5 mg/cm2"
    particle_radius: "2 um"
mesh: {separator: 2, cathode: 3, particle: 3}
protocol:
  steps:
    - Charge at 1C for 2 minutes
output: {profile_interval: 0}
)");
    put(d + "/sweep.yaml", "name: s\nbase: base.yaml\nparameters:\n  - key: cell.temperature\n"
                           "    values: [\"45 degC\"]\n");
    const std::string out = d + "/out";
    SweepSpec spec = load_sweep(d + "/sweep.yaml");
    {
        SweepLock lock(out);
        CaseOutcome r = run_case(spec, spec.cases[0], out);
        ASSERT_EQ(r.status, "complete") << r.message;
    }
    EXPECT_TRUE(case_complete(spec, out, 1));
    // A comment does not change the resolved config: still complete.
    put(d + "/chemistry.yaml", "# edited comment\n" + chem);
    EXPECT_TRUE(case_complete(load_sweep(d + "/sweep.yaml"), out, 1));
    // A value in the extended file does: the case runs again.
    std::string edited = chem;
    const auto at = edited.find("void_scale: \"");  // whatever the calibrated value is
    ASSERT_NE(at, std::string::npos);
    edited.replace(at, edited.find('"', at + 13) + 1 - at, "void_scale: \"999 nm\"");
    put(d + "/chemistry.yaml", edited);
    spec = load_sweep(d + "/sweep.yaml");
    EXPECT_FALSE(case_complete(spec, out, 1));
    {
        SweepLock lock(out);
        ASSERT_EQ(run_case(spec, spec.cases[0], out).status, "complete");
    }
    EXPECT_TRUE(case_complete(spec, out, 1));
    // So does an edit to the base itself, and a base that no longer loads.
    put(d + "/base.yaml", slurp(d + "/base.yaml") + "solver: {rtol: 1.0e-5}\n");
    EXPECT_FALSE(case_complete(load_sweep(d + "/sweep.yaml"), out, 1));
    put(d + "/chemistry.yaml", "chemistry: [broken\n");
    EXPECT_FALSE(case_complete(load_sweep(d + "/sweep.yaml"), out, 1));
}

}  // namespace
}  // namespace ssbsim
