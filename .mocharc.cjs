const path = require('node:path');
module.exports = {
  spec: ['dist/**/*.test.js'],
  reporter: path.join(__dirname, 'tools', 'mocha-summary-reporter.cjs'),
  'node-option': ['enable-source-maps'],
  timeout: 60000,
};
