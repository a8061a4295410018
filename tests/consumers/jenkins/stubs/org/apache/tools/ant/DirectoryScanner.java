// Stub of Ant's DirectoryScanner (tests/consumers/jenkins/README.md): the one named file, if it exists.
package org.apache.tools.ant;

import java.io.File;

public class DirectoryScanner {
    private final File basedir;
    private final String name;

    public DirectoryScanner(File basedir, String name) {
        this.basedir = basedir;
        this.name = name;
    }

    public String[] getIncludedFiles() {
        return new File(basedir, name).isFile() ? new String[] {name} : new String[0];
    }

    public File getBasedir() {
        return basedir;
    }
}
