# frozen_string_literal: true

# The harness around GitLab's own JUnit parser (tests/consumers/README.md).
#
# Usage: ruby gitlab_view.rb GITLAB_SOURCE FILE...
# Loads, from a checkout of gitlab-org/gitlab at GITLAB_SOURCE, the parser
# (lib/gitlab/ci/parsers/test/junit.rb) and what it uses (lib/gitlab/xml_converter.rb,
# lib/gitlab/ci/reports/test_{case,suite,report}.rb, lib/gitlab/ci/parsers/parser_error.rb) on top of
# ActiveSupport and Nokogiri (Debian: ruby-activesupport, ruby-nokogiri), parses every FILE as one
# job's `artifacts:reports:junit`, and prints one JSON object per line:
#   {"kind":"case", ...}  every test case with the fields GitLab's TestCaseEntity exposes to the
#                         pipeline's Tests tab and the merge request widget (status, name,
#                         classname, file, execution_time, system_output, attachment), plus
#                         "system_output_class" (String, Hash or nil: what the parser produced)
#   {"kind":"suite", ...} the counts and the suite error of the job's test suite
# Only GitLab's Rails surroundings are stubbed: the job (a test suite name and no case limit) and
# the translation helper _() of the size-limit message.
require 'json'
require 'digest'
require 'active_support'
require 'active_support/core_ext'
require 'active_support/core_ext/hash/conversions'
require 'nokogiri'

# GitLab parses XML with Nokogiri (spec/fast_spec_helper.rb and the application set this backend).
ActiveSupport::XmlMini.backend = 'Nokogiri'

def _(text)
  text
end

source, *files = ARGV
abort('usage: ruby gitlab_view.rb GITLAB_SOURCE FILE...') if source.nil? || files.empty?

%w[
  lib/gitlab/ci/parsers/parser_error.rb
  lib/gitlab/xml_converter.rb
  lib/gitlab/ci/reports/test_case.rb
  lib/gitlab/ci/reports/test_suite.rb
  lib/gitlab/ci/reports/test_report.rb
  lib/gitlab/ci/parsers/test/junit.rb
].each { |path| load File.join(source, path) }

Job = Struct.new(:test_suite_name, :max_test_cases_per_report, :project, :id)
job = Job.new('smoke', 0, nil, 1)
report = Gitlab::Ci::Reports::TestReport.new
files.each do |file|
  Gitlab::Ci::Parsers::Test::Junit.new.parse!(File.read(file), report, job: job)
end

report.test_suites.each_value do |suite|
  suite.each_test_case do |test_case|
    output = test_case.system_output
    puts JSON.generate(
      kind: 'case',
      suite_name: test_case.suite_name,
      status: test_case.status,
      name: test_case.name,
      classname: test_case.classname,
      file: test_case.file,
      execution_time: test_case.execution_time,
      system_output: output,
      system_output_class: output.nil? ? nil : output.class.name,
      system_output_shown: output.nil? ? nil : output.to_s,
      attachment: test_case.attachment
    )
  end
  puts JSON.generate(
    kind: 'suite',
    name: suite.name,
    total: suite.total_count,
    success: suite.success_count,
    failed: suite.failed_count,
    skipped: suite.skipped_count,
    error: suite.error_count,
    suite_error: suite.suite_error
  )
end
