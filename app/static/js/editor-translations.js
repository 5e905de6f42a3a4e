// Indonesian labels for the bpmn-js modeler and its properties panel (both look labels up in `translate`).
window.SIKANDA_TRANSLATIONS = {
  // palette and context pad
  'Activate hand tool': 'Alat geser', 'Activate lasso tool': 'Alat laso',
  'Activate create/remove space tool': 'Alat tambah/kurangi ruang', 'Activate global connect tool': 'Alat hubungkan',
  'Create start event': 'Buat start event', 'Create end event': 'Buat end event',
  'Create intermediate/boundary event': 'Buat event perantara/boundary', 'Create task': 'Buat tugas',
  'Create gateway': 'Buat gateway', 'Create pool/participant': 'Buat pool', 'Create group': 'Buat grup',
  'Create data object reference': 'Buat objek data', 'Create data store reference': 'Buat penyimpanan data',
  'Create expanded sub-process': 'Buat subproses', 'Append task': 'Tambahkan tugas',
  'Append end event': 'Tambahkan end event', 'Append gateway': 'Tambahkan gateway',
  'Append intermediate/boundary event': 'Tambahkan event perantara', 'Append text annotation': 'Tambahkan catatan',
  'Connect using sequence/message flow or association': 'Hubungkan dengan alur',
  'Connect using sequence flow': 'Hubungkan dengan alur', 'Connect to other element': 'Hubungkan ke elemen lain',
  'Change type': 'Ubah jenis', 'Change element': 'Ubah elemen', 'Delete': 'Hapus', 'Remove': 'Hapus',
  'Add lane above': 'Tambah lajur di atas', 'Add lane below': 'Tambah lajur di bawah',
  'Divide into two lanes': 'Bagi menjadi dua lajur', 'Divide into three lanes': 'Bagi menjadi tiga lajur',
  'User task': 'User task', 'Default flow': 'Alur default', 'Conditional flow': 'Alur bersyarat',
  'Sequence flow': 'Alur', 'Default Flow': 'Alur default', 'Conditional Flow': 'Alur bersyarat', 'Search in diagram': 'Cari di diagram',
  // properties panel
  'General': 'Umum', 'Name': 'Nama', 'ID': 'ID', 'Documentation': 'Dokumentasi',
  'Element documentation': 'Dokumentasi elemen', 'Process documentation': 'Dokumentasi proses',
  'Condition': 'Kondisi', 'Condition type': 'Jenis kondisi', 'Expression': 'Ekspresi', 'Script': 'Skrip',
  '<none>': '<tidak ada>', 'Timer': 'Timer', 'Type': 'Jenis', 'Value': 'Nilai', 'Duration': 'Durasi',
  'Date': 'Tanggal', 'Cycle': 'Siklus', 'Executable': 'Dapat dijalankan', 'Version tag': 'Tag versi',
  'Process name': 'Nama proses', 'Process ID': 'ID proses', 'Participant Name': 'Nama partisipan',
  'Must be a valid ISO 8601 duration': 'Harus durasi ISO 8601 yang valid',
  'ID must be unique.': 'ID harus unik.', 'ID must not be empty.': 'ID tidak boleh kosong.',
  'ID must not contain spaces.': 'ID tidak boleh berisi spasi.',
  'ID must be a valid QName.': 'ID harus QName yang valid.',
  'Select an element to edit its properties.': 'Pilih elemen untuk mengubah propertinya.',
  'Multiple elements are selected. Select a single one to edit its properties.':
    'Beberapa elemen terpilih. Pilih satu elemen untuk mengubah propertinya.',
};
