#include "tools/datasets/synthetic_topics.h"

namespace feedrank::datasets {
namespace {

using Words = std::string_view[];

constexpr Words kCookingWords = {
    "recipe",  "garlic",   "oven",    "simmer",  "basil",    "pasta",     "dough",    "knead",
    "saute",   "skillet",  "butter",  "roast",   "broth",    "cumin",     "saffron",  "whisk",
    "bake",    "crust",    "tomato",  "onion",   "marinade", "braise",    "ladle",    "risotto",
    "noodles", "dumpling", "paprika", "vinegar", "caramel",  "sourdough", "cinnamon", "casserole"};
constexpr Words kCookingTags = {"cooking", "recipes", "foodie", "homecooking"};

constexpr Words kRunningWords = {
    "marathon", "sprint",     "stride",    "pace",       "tempo",      "intervals", "hydration",
    "sneakers", "trail",      "mileage",   "cadence",    "stretching", "warmup",    "cooldown",
    "lactate",  "endurance",  "splits",    "kilometers", "hills",      "track",     "relay",
    "podium",   "finishline", "blisters",  "treadmill",  "recovery",   "taper",     "longrun",
    "runners",  "jogging",    "hamstring", "fartlek"};
constexpr Words kRunningTags = {"running", "marathontraining", "fitness", "runchat"};

constexpr Words kSpaceWords = {
    "telescope", "nebula",    "galaxy",    "orbit",         "comet",     "asteroid",  "eclipse",
    "rocket",    "launchpad", "satellite", "planet",        "jupiter",   "saturn",    "lunar",
    "crater",    "cosmic",    "quasar",    "pulsar",        "supernova", "starlight", "observatory",
    "exoplanet", "spectrum",  "meteor",    "constellation", "aurora",    "gravity",   "probe",
    "astronaut", "payload",   "redshift",  "booster"};
constexpr Words kSpaceTags = {"space", "astronomy", "nasa", "stargazing"};

constexpr Words kProgrammingWords = {
    "compiler", "refactor",   "pointer",  "template", "kernel",    "debugger",  "commit",
    "merge",    "branch",     "lambda",   "runtime",  "thread",    "mutex",     "latency",
    "cache",    "benchmark",  "segfault", "linker",   "syntax",    "python",    "rust",
    "golang",   "typescript", "function", "variable", "recursion", "algorithm", "endpoint",
    "deploy",   "container",  "regex",    "unittest"};
constexpr Words kProgrammingTags = {"programming", "coding", "devlife", "opensource"};

constexpr Words kGardeningWords = {
    "tulip",     "compost",  "seedling",  "mulch",     "prune",      "trowel",    "greenhouse",
    "perennial", "fern",     "orchid",    "soil",      "fertilizer", "aphids",    "sprout",
    "bloom",     "petal",    "hedge",     "shovel",    "harvest",    "zucchini",  "pumpkin",
    "lettuce",   "lavender", "sunflower", "hydrangea", "weeding",    "germinate", "potting",
    "trellis",   "vine",     "bulbs",     "dahlia"};
constexpr Words kGardeningTags = {"gardening", "plants", "growyourown", "garden"};

constexpr Words kFootballWords = {
    "goalkeeper", "striker",  "penalty",    "offside",   "midfield",  "derby",      "tackle",
    "header",     "corner",   "freekick",   "referee",   "stadium",   "league",     "transfer",
    "winger",     "defender", "dribble",    "volley",    "equalizer", "hattrick",   "kickoff",
    "halftime",   "fixture",  "relegation", "promotion", "captain",   "substitute", "pitch",
    "crossbar",   "assist",   "tifo",       "ultras"};
constexpr Words kFootballTags = {"football", "soccer", "matchday", "goal"};

constexpr Words kMusicWords = {
    "guitar",    "chord",    "melody",     "drummer",    "bassline",  "vinyl",    "album",
    "setlist",   "concert",  "encore",     "rehearsal",  "synth",     "harmony",  "lyrics",
    "chorus",    "verse",    "amplifier",  "microphone", "studio",    "mixtape",  "playlist",
    "remix",     "acoustic", "piano",      "violin",     "orchestra", "festival", "backstage",
    "headliner", "riff",     "soundcheck", "falsetto"};
constexpr Words kMusicTags = {"music", "newmusic", "livemusic", "nowplaying"};

constexpr Words kPhotographyWords = {
    "aperture",  "shutter",      "lens",      "tripod",      "exposure",   "bokeh",
    "portrait",  "landscape",    "histogram", "viewfinder",  "mirrorless", "megapixel",
    "iso",       "focal",        "zoom",      "flash",       "darkroom",   "film",
    "grain",     "monochrome",   "framing",   "composition", "raw",        "lightroom",
    "polarizer", "longexposure", "macro",     "telephoto",   "wideangle",  "silhouette",
    "sensor",    "goldenhour"};
constexpr Words kPhotographyTags = {"photography", "photooftheday", "filmphotography",
                                    "streetphotography"};

constexpr Words kTravelWords = {
    "passport", "itinerary", "backpack",  "hostel",   "airport",  "layover",   "boarding",
    "luggage",  "suitcase",  "visa",      "ferry",    "train",    "roadtrip",  "souvenir",
    "museum",   "beach",     "island",    "mountain", "village",  "cathedral", "bazaar",
    "jetlag",   "map",       "guidebook", "customs",  "terminal", "departure", "arrival",
    "postcard", "cruise",    "trek",      "hiking"};
constexpr Words kTravelTags = {"travel", "wanderlust", "travelgram", "adventure"};

constexpr Words kFinanceWords = {
    "stocks",   "bonds",   "dividend",  "portfolio",  "inflation", "interest", "yield",
    "earnings", "index",   "etf",       "volatility", "bull",      "bear",     "recession",
    "budget",   "savings", "mortgage",  "equity",     "valuation", "options",  "futures",
    "crypto",   "bitcoin", "ledger",    "broker",     "rally",     "selloff",  "quarterly",
    "revenue",  "margin",  "liquidity", "treasury"};
constexpr Words kFinanceTags = {"finance", "investing", "stockmarket", "markets"};

constexpr Words kClimateWords = {
    "emissions",    "carbon",   "renewable", "solar",    "turbine",      "glacier",
    "drought",      "wildfire", "recycling", "plastic",  "biodiversity", "reforestation",
    "heatwave",     "sealevel", "methane",   "electric", "battery",      "grid",
    "conservation", "wetland",  "coral",     "reef",     "ozone",        "sustainable",
    "footprint",    "offset",   "policy",    "flood",    "habitat",      "species",
    "permafrost",   "rewilding"};
constexpr Words kClimateTags = {"climate", "sustainability", "climateaction", "environment"};

constexpr Words kGamingWords = {
    "console",    "controller",  "speedrun",  "boss",       "level",      "quest",    "loot",
    "respawn",    "multiplayer", "lobby",     "patch",      "nerf",       "buff",     "raid",
    "dungeon",    "pixel",       "indie",     "esports",    "tournament", "streamer", "achievement",
    "checkpoint", "sandbox",     "roguelike", "platformer", "shooter",    "rpg",      "savefile",
    "glitch",     "leaderboard", "dlc",       "crafting"};
constexpr Words kGamingTags = {"gaming", "gamer", "videogames", "indiegames"};

constexpr Words kFillerWords = {"today",   "finally", "really",   "new",     "week",  "weekend",
                                "morning", "tonight", "great",    "love",    "first", "again",
                                "still",   "maybe",   "honestly", "everyone"};

constexpr SyntheticTopic kTopics[] = {
    {"cooking", kCookingWords, kCookingTags},
    {"running", kRunningWords, kRunningTags},
    {"space", kSpaceWords, kSpaceTags},
    {"programming", kProgrammingWords, kProgrammingTags},
    {"gardening", kGardeningWords, kGardeningTags},
    {"football", kFootballWords, kFootballTags},
    {"music", kMusicWords, kMusicTags},
    {"photography", kPhotographyWords, kPhotographyTags},
    {"travel", kTravelWords, kTravelTags},
    {"finance", kFinanceWords, kFinanceTags},
    {"climate", kClimateWords, kClimateTags},
    {"gaming", kGamingWords, kGamingTags},
};

}  // namespace

std::span<const SyntheticTopic> synthetic_topics() { return kTopics; }

std::span<const std::string_view> synthetic_filler_words() { return kFillerWords; }

}  // namespace feedrank::datasets
