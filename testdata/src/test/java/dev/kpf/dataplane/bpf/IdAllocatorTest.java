package dev.kpf.dataplane.bpf;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Ids are handed out rising, wrap around, skip ids in use, and a freed id comes back only after all the others. */
class IdAllocatorTest {
    @Test
    void a_freed_id_is_taken_again_only_after_every_other_free_id() {
        IdAllocator ids = new IdAllocator(5);
        assertEquals(List.of(1, 2, 3), List.of(ids.allocate(), ids.allocate(), ids.allocate()));
        ids.release(2);
        assertEquals(4, ids.allocate(), "not the freed 2");
        assertEquals(5, ids.allocate());
        assertEquals(2, ids.allocate(), "wrapped: 2 is the only free id");
        assertThrows(IllegalStateException.class, ids::allocate, "all in use");
    }

    @Test
    void after_a_re_read_ids_go_on_from_where_they_were_also_after_a_wrap() {
        IdAllocator earlier = new IdAllocator(5);
        for (int i = 0; i < 5; i++) earlier.allocate();
        earlier.release(1);
        earlier.release(2);
        earlier.release(4);
        assertEquals(1, earlier.allocate(), "wrapped to 1");
        earlier.release(1); // freed in the sync that fails; the maps are read again: 3 and 5 are in use
        IdAllocator reread = new IdAllocator(5);
        reread.mark(3);
        reread.mark(5);
        reread.continueFrom(earlier);
        assertEquals(List.of(2, 4), List.of(reread.allocate(), reread.allocate()),
                "on from 2, where the earlier one was: 1, freed a moment ago, comes last");
        assertEquals(1, reread.allocate());
    }
}
