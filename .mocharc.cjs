const path = require('node:path');
module.exports = {
  spec: ['dist/**/*.test.js'],
  reporter: path.join(__dirname, 'tools', 'mocha-summary-reporter.cjs'),
  require: [path.join(__dirname, 'tools', 'fast-check-seed.mjs')],
  'node-option': ['enable-source-maps'],
  timeout: 60000,
};
