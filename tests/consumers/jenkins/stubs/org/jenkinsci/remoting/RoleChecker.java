// Compile-time stub of Jenkins remoting's RoleChecker (tests/consumers/jenkins/README.md).
package org.jenkinsci.remoting;

public interface RoleChecker {
}
