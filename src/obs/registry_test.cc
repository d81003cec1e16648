#include "obs/registry.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::obs {
namespace {

using ::testing::HasSubstr;

TEST(RegistryTest, EmptyRendersNothing) { EXPECT_EQ(Registry().Render(), ""); }

TEST(RegistryTest, Counter) {
  Registry registry;
  Counter* counter = registry.AddCounter("requests_total", "Requests served.");
  counter->Increment(3);
  EXPECT_EQ(registry.Render(),
            "# HELP requests_total Requests served.\n"
            "# TYPE requests_total counter\n"
            "requests_total 3\n");
  counter->Add(0.5);
  EXPECT_THAT(registry.Render(), HasSubstr("requests_total 3.5\n"));
}

TEST(RegistryTest, RegistrationIsGetOrCreate) {
  Registry registry;
  Counter* a = registry.AddCounter("c", "help", {{"k", "v"}});
  EXPECT_EQ(registry.AddCounter("c", "other help is ignored", {{"k", "v"}}), a);
  EXPECT_NE(registry.AddCounter("c", "help", {{"k", "w"}}), a);
}

TEST(RegistryTest, LabelOrderDoesNotMatter) {
  Registry registry;
  Counter* a = registry.AddCounter("c", "h", {{"b", "2"}, {"a", "1"}});
  EXPECT_EQ(registry.AddCounter("c", "h", {{"a", "1"}, {"b", "2"}}), a);
  a->Increment();
  EXPECT_THAT(registry.Render(), HasSubstr("c{a=\"1\",b=\"2\"} 1\n"));
}

TEST(RegistryTest, Gauge) {
  Registry registry;
  Gauge* gauge = registry.AddGauge("queue_length", "Queued items.", {{"queue", "send"}});
  gauge->Set(10);
  gauge->Add(2.5);
  gauge->Decrement();
  EXPECT_EQ(registry.Render(),
            "# HELP queue_length Queued items.\n"
            "# TYPE queue_length gauge\n"
            "queue_length{queue=\"send\"} 11.5\n");
}

TEST(RegistryTest, CallbackGaugeIsEvaluatedAtRender) {
  Registry registry;
  int calls = 0;
  CallbackGauge* gauge = registry.AddCallbackGauge("items", "Items.", {}, [&calls] {
    ++calls;
    return 7.0;
  });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(registry.Render(),
            "# HELP items Items.\n"
            "# TYPE items gauge\n"
            "items 7\n");
  EXPECT_EQ(calls, 1);
  gauge->SetCallback(nullptr);
  EXPECT_THAT(registry.Render(), HasSubstr("items 0\n"));
  // Registering again replaces the callback.
  EXPECT_EQ(registry.AddCallbackGauge("items", "Items.", {}, [] { return 9.0; }), gauge);
  EXPECT_THAT(registry.Render(), HasSubstr("items 9\n"));
}

TEST(RegistryTest, CallbackCounterAndPlainSeriesShareAFamily) {
  Registry registry;
  registry.AddCallbackCounter("lookups_total", "Lookups.", {{"result", "hit"}},
                              [] { return 12.0; });
  registry.AddCounter("lookups_total", "Lookups.", {{"result", "miss"}})->Increment(4);
  EXPECT_EQ(registry.Render(),
            "# HELP lookups_total Lookups.\n"
            "# TYPE lookups_total counter\n"
            "lookups_total{result=\"hit\"} 12\n"
            "lookups_total{result=\"miss\"} 4\n");
}

TEST(RegistryTest, HistogramBucketsAreCumulativeWithInf) {
  Registry registry;
  const double bounds[] = {0.005, 0.1, 1};
  Histogram* histogram =
      registry.AddHistogram("latency_seconds", "Latency.", {{"door", "grpc"}}, bounds);
  histogram->Observe(0.001);
  histogram->Observe(0.005);
  histogram->Observe(0.5);
  histogram->Observe(4);
  EXPECT_EQ(registry.Render(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{door=\"grpc\",le=\"0.005\"} 2\n"
            "latency_seconds_bucket{door=\"grpc\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{door=\"grpc\",le=\"1\"} 3\n"
            "latency_seconds_bucket{door=\"grpc\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{door=\"grpc\"} 4.506\n"
            "latency_seconds_count{door=\"grpc\"} 4\n");
}

TEST(RegistryTest, HistogramWithoutLabels) {
  Registry registry;
  const double bounds[] = {1};
  registry.AddHistogram("h", "H.", {}, bounds)->Observe(2);
  EXPECT_EQ(registry.Render(),
            "# HELP h H.\n"
            "# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 0\n"
            "h_bucket{le=\"+Inf\"} 1\n"
            "h_sum 2\n"
            "h_count 1\n");
}

TEST(RegistryTest, SummaryHasSumAndCount) {
  Registry registry;
  Summary* summary = registry.AddSummary("gubernator_grpc_request_duration", "Timings.",
                                         {{"method", "/pb.gubernator.V1/GetRateLimits"}});
  summary->Observe(0.25);
  summary->Observe(0.5);
  EXPECT_EQ(registry.Render(),
            "# HELP gubernator_grpc_request_duration Timings.\n"
            "# TYPE gubernator_grpc_request_duration summary\n"
            "gubernator_grpc_request_duration_sum{method=\"/pb.gubernator.V1/GetRateLimits\"} "
            "0.75\n"
            "gubernator_grpc_request_duration_count{method=\"/pb.gubernator.V1/GetRateLimits\"} "
            "2\n");
}

TEST(RegistryTest, EscapesLabelValuesAndHelp) {
  Registry registry;
  registry.AddCounter("c", "Help with \\ and\nnewline and \"quotes\".",
                      {{"v", "back\\slash \"quoted\"\nnext"}});
  EXPECT_EQ(registry.Render(),
            "# HELP c Help with \\\\ and\\nnewline and \"quotes\".\n"
            "# TYPE c counter\n"
            "c{v=\"back\\\\slash \\\"quoted\\\"\\nnext\"} 0\n");
}

TEST(RegistryTest, FamiliesSortedAndHeadersOncePerFamily) {
  Registry registry;
  registry.AddGauge("zeta", "Z.");
  registry.AddCounter("alpha_total", "A.", {{"k", "b"}});
  registry.AddCounter("alpha_total", "A.", {{"k", "a"}});
  registry.AddSummary("mid", "M.");
  EXPECT_EQ(registry.Render(),
            "# HELP alpha_total A.\n"
            "# TYPE alpha_total counter\n"
            "alpha_total{k=\"a\"} 0\n"
            "alpha_total{k=\"b\"} 0\n"
            "# HELP mid M.\n"
            "# TYPE mid summary\n"
            "mid_sum 0\n"
            "mid_count 0\n"
            "# HELP zeta Z.\n"
            "# TYPE zeta gauge\n"
            "zeta 0\n");
}

TEST(RegistryTest, EmptyHelpHasNoTrailingSpace) {
  Registry registry;
  registry.AddGauge("g", "");
  EXPECT_EQ(registry.Render(), "# HELP g\n# TYPE g gauge\ng 0\n");
}

using RegistryDeathTest = ::testing::Test;

TEST_F(RegistryDeathTest, RejectsProgrammingErrors) {
  EXPECT_DEATH(Registry().AddCounter("bad-name", "h"), "invalid metric name");
  EXPECT_DEATH(Registry().AddCounter("c", "h", {{"__x", "v"}}), "invalid label name");
  EXPECT_DEATH(Registry().AddCounter("c", "h", {{"a", "1"}, {"a", "2"}}), "duplicate label");
  const double bounds[] = {1};
  EXPECT_DEATH(Registry().AddHistogram("h", "h", {{"le", "1"}}, bounds), "reserved label");
  EXPECT_DEATH(Registry().AddSummary("s", "h", {{"quantile", "1"}}), "reserved label");
  const double unsorted[] = {2, 1};
  const double other[] = {1, 2};
  EXPECT_DEATH(Registry().AddHistogram("h", "h", {}, unsorted), "strictly increasing");
  EXPECT_DEATH(
      {
        Registry registry;
        registry.AddCounter("m", "h");
        registry.AddGauge("m", "h");
      },
      "another type");
  EXPECT_DEATH(
      {
        Registry registry;
        registry.AddCounter("m", "h", {{"a", "1"}});
        registry.AddCounter("m", "h", {{"b", "1"}});
      },
      "other label names");
  EXPECT_DEATH(
      {
        Registry registry;
        registry.AddHistogram("m", "h", {}, bounds);
        registry.AddHistogram("m", "h", {}, other);
      },
      "other bucket bounds");
  EXPECT_DEATH(
      {
        Registry registry;
        registry.AddGauge("m", "h");
        registry.AddCallbackGauge("m", "h", {}, nullptr);
      },
      "plain/callback");
}

}  // namespace
}  // namespace sluice::obs
