// Compile-time stub of Stapler's StaplerResponse2 (tests/consumers/jenkins/README.md).
package org.kohsuke.stapler;

public interface StaplerResponse2 {
    void sendRedirect(String url) throws java.io.IOException;

    void sendRedirect2(String url) throws java.io.IOException;
}
