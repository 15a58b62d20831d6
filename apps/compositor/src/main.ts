console.log('fbemu compositor: not built yet');
