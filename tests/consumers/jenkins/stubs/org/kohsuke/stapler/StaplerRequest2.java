// Compile-time stub of Stapler's StaplerRequest2 (tests/consumers/jenkins/README.md).
package org.kohsuke.stapler;

public interface StaplerRequest2 {
    String getContextPath();

    String getParameter(String name);

    boolean hasParameter(String name);

    boolean checkIfModified(java.util.Calendar timestamp, StaplerResponse2 rsp);

    String getRestOfPath();
}
